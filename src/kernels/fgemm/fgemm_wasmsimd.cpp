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

// GEMV (M = 1) over NP whole panels, XNNPACK "loadsplat" style: two v128
// loads bring 8 activations, i32x4 shuffles splat them, k is unrolled by 8
// and each panel pointer is bumped once per 8 k, so every weight load is
// [ptr + constant] in V8's code (no lea per load). NP = 2: 4 accumulators +
// 8 splats fit V8's xmm registers (NP = 4 spills and is no faster). The old
// 1-k loop was unrolled by V8, which then spilled 2 of its 8 accumulators
// per k: this is ~35% faster at K = N = 512 (weights in L2). Each output is
// still summed in k order, mul then add.
template <int NP>
inline void gemvPanels(const float* a, size_t K, const float* panels, const float* bias, size_t p0, float* y) {
  v128_t acc[2 * NP];
  for (int j = 0; j < 2 * NP; ++j) acc[j] = wasm_f32x4_splat(0.0f);
  const float* b[NP];
  for (int p = 0; p < NP; ++p) b[p] = panels + (p0 + p) * 8 * K;
  auto step = [&](v128_t av, int kk) {
    for (int p = 0; p < NP; ++p) {
      acc[2 * p] = wasm_f32x4_add(acc[2 * p], wasm_f32x4_mul(av, wasm_v128_load(b[p] + 8 * kk)));
      acc[2 * p + 1] = wasm_f32x4_add(acc[2 * p + 1], wasm_f32x4_mul(av, wasm_v128_load(b[p] + 8 * kk + 4)));
    }
  };
  size_t k = K;
#pragma clang loop unroll(disable)
  for (; k >= 8; k -= 8, a += 8) {
    const v128_t va = wasm_v128_load(a), vb = wasm_v128_load(a + 4);
    step(wasm_i32x4_shuffle(va, va, 0, 0, 0, 0), 0);
    step(wasm_i32x4_shuffle(va, va, 1, 1, 1, 1), 1);
    step(wasm_i32x4_shuffle(va, va, 2, 2, 2, 2), 2);
    step(wasm_i32x4_shuffle(va, va, 3, 3, 3, 3), 3);
    step(wasm_i32x4_shuffle(vb, vb, 0, 0, 0, 0), 4);
    step(wasm_i32x4_shuffle(vb, vb, 1, 1, 1, 1), 5);
    step(wasm_i32x4_shuffle(vb, vb, 2, 2, 2, 2), 6);
    step(wasm_i32x4_shuffle(vb, vb, 3, 3, 3, 3), 7);
    for (int p = 0; p < NP; ++p) b[p] += 64;
  }
#pragma clang loop unroll(disable)
  for (; k > 0; --k, ++a) {
    step(wasm_v128_load32_splat(a), 0);
    for (int p = 0; p < NP; ++p) b[p] += 8;
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
    for (; p + 2 <= whole; p += 2) gemvPanels<2>(a, K, panels, bias, p, y);
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
