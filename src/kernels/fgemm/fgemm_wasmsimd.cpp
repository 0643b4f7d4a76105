// wasm SIMD128 micro-kernels of the packed fp32 GEMM (fgemm.h) and the
// dispatching entry point (the reference elsewhere). Panels are walked in
// ~128 KiB chunks so a chunk stays in L2 while all row blocks pass over it.
#include <algorithm>

#include "kernels/fgemm/fgemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)

namespace {

template <int MR, int NP>
inline void tile(const float* a, size_t K, const float* panels, const float* bias, size_t p0, size_t N, float* y, size_t m0, int mr) {
  v128_t acc[MR][2 * NP];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 2 * NP; ++j) acc[i][j] = wasm_f32x4_splat(0.0f);
  const float* b = panels + p0 * 8 * K;
  const float* ar = a + m0 * K;
  for (size_t k = 0; k < K; ++k) {
    v128_t bv[2 * NP];
    for (int p = 0; p < NP; ++p) {
      bv[2 * p] = wasm_v128_load(b + p * 8 * K + k * 8);
      bv[2 * p + 1] = wasm_v128_load(b + p * 8 * K + k * 8 + 4);
    }
    for (int i = 0; i < MR; ++i) {
      const v128_t av = wasm_v128_load32_splat(ar + i * K + k);
      for (int j = 0; j < 2 * NP; ++j) acc[i][j] = wasm_f32x4_add(acc[i][j], wasm_f32x4_mul(av, bv[j]));
    }
  }
  const size_t n0 = p0 * 8;
  for (int i = 0; i < mr; ++i) {
    float* out = y + (m0 + i) * N;
    for (int j = 0; j < 2 * NP; ++j) {
      const size_t n = n0 + 4 * j;
      if (n >= N) break;
      if (n + 4 <= N) {
        wasm_v128_store(out + n, wasm_f32x4_add(acc[i][j], wasm_v128_load(bias + n)));
      } else {
        float t[4];
        wasm_v128_store(t, acc[i][j]);
        for (size_t l = 0; n + l < N; ++l) out[n + l] = t[l] + bias[n + l];
      }
    }
  }
}

// GEMV (M = 1) over NP whole panels: one splat per k, 2·NP weight vectors.
// Not unrolled: unrolled, LLVM hoists the next k's weight loads and V8 runs
// out of xmm registers (A/B in one process: 5-8% slower at K = N = 512,
// where the weights stay in L2; never faster).
template <int NP>
inline void gemvPanels(const float* a, size_t K, const float* panels, const float* bias, size_t p0, float* y) {
  v128_t acc[2 * NP];
  for (int j = 0; j < 2 * NP; ++j) acc[j] = wasm_f32x4_splat(0.0f);
  const float* b = panels + p0 * 8 * K;
#pragma clang loop unroll(disable)
  for (size_t k = 0; k < K; ++k) {
    const v128_t av = wasm_v128_load32_splat(a + k);
    for (int p = 0; p < NP; ++p) {
      acc[2 * p] = wasm_f32x4_add(acc[2 * p], wasm_f32x4_mul(av, wasm_v128_load(b + p * 8 * K + k * 8)));
      acc[2 * p + 1] = wasm_f32x4_add(acc[2 * p + 1], wasm_f32x4_mul(av, wasm_v128_load(b + p * 8 * K + k * 8 + 4)));
    }
  }
  for (int j = 0; j < 2 * NP; ++j) wasm_v128_store(y + p0 * 8 + 4 * j, wasm_f32x4_add(acc[j], wasm_v128_load(bias + p0 * 8 + 4 * j)));
}

}  // namespace

void fgemm(const float* a, size_t M, const FPackedWeights& w, float* y) {
  const size_t N = w.N, K = w.K, nPanels = (N + 7) / 8;
  const float* panels = w.panels.data();
  const float* bias = w.bias.data();
  if (M == 1) {
    const size_t whole = N / 8;  // panels with 8 real channels
    size_t p = 0;
    for (; p + 4 <= whole; p += 4) gemvPanels<4>(a, K, panels, bias, p, y);
    for (; p < whole; ++p) gemvPanels<1>(a, K, panels, bias, p, y);
    for (; p < nPanels; ++p) tile<1, 1>(a, K, panels, bias, p, N, y, 0, 1);  // the partial last panel
    return;
  }
  const size_t chunk = std::max<size_t>(1, (128 * 1024) / (K * 32));
  for (size_t pc = 0; pc < nPanels; pc += chunk) {
    const size_t pe = std::min(nPanels, pc + chunk);
    size_t m = 0;
    for (; m + 4 <= M; m += 4)
      for (size_t p = pc; p < pe; ++p) tile<4, 1>(a, K, panels, bias, p, N, y, m, 4);
    const int rest = static_cast<int>(M - m);
    for (size_t p = pc; p < pe && rest > 0; ++p) {
      if (rest == 3) tile<3, 1>(a, K, panels, bias, p, N, y, m, 3);
      else if (rest == 2) tile<2, 1>(a, K, panels, bias, p, N, y, m, 2);
      else tile<1, 1>(a, K, panels, bias, p, N, y, m, 1);
    }
  }
}

#else

void fgemm(const float* a, size_t M, const FPackedWeights& w, float* y) { fgemm_ref(a, M, w, y); }

#endif

}  // namespace qwasm::kernels
