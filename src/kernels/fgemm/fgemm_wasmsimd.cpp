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

// The tile above, for large K with 2..8 row blocks, plus one i32 "touch" of
// the next panel chunk every 8 k (wasm has no prefetch). There the first row
// block streams each 128 KiB panel from DRAM faster than the L2 prefetcher
// keeps up, then the other row blocks only hit L2; spreading the next chunk's
// first touches evenly over the current chunk's tiles gives the prefetcher a
// slow, steady stream to run ahead on (+17..35% at M = 16, K = 4096 with cold
// weights, as in a model or an interleaved bench). The 1-k inner loop ends on
// the panel pointer, so V8 emits no extra per-k work. Same k order per output.
volatile int g_touchSink;  // volatile: the touches must not be optimized away

template <int MR>
inline void tileTouch(const float* a, size_t K, const float* panels, const float* bias, size_t p0, size_t N, float* y, size_t m0, const char* t, size_t ts) {
  v128_t acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = wasm_f32x4_splat(0.0f);
  const float* b = panels + p0 * 8 * K;
  const float* ar[MR];
  for (int i = 0; i < MR; ++i) ar[i] = a + (m0 + i) * K;
  int sink = 0;
  auto run = [&](const float* be) {
#pragma clang loop unroll(disable)
    for (; b != be; b += 8) {
      const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      for (int i = 0; i < MR; ++i) {
        const v128_t av = wasm_v128_load32_splat(ar[i]);
        acc[i][0] = wasm_f32x4_add(acc[i][0], wasm_f32x4_mul(av, b0));
        acc[i][1] = wasm_f32x4_add(acc[i][1], wasm_f32x4_mul(av, b1));
        ar[i] += 1;
      }
    }
  };
  size_t k = K;
#pragma clang loop unroll(disable)
  for (; k >= 8; k -= 8) {
    sink |= *reinterpret_cast<const int*>(t);
    t += ts;
    run(b + 64);
  }
  run(b + 8 * k);
  g_touchSink = sink;  // keeps the touches
  const size_t n0 = p0 * 8;
  for (int i = 0; i < MR; ++i) {
    float* out = y + (m0 + i) * N;
    wasm_v128_store(out + n0, wasm_f32x4_add(acc[i][0], wasm_v128_load(bias + n0)));
    wasm_v128_store(out + n0 + 4, wasm_f32x4_add(acc[i][1], wasm_v128_load(bias + n0 + 4)));
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
  const size_t rowBlocks = (M + 3) / 4, whole = N / 8;
  size_t pStart = 0;
  // Touching pays where a chunk (1-2 panels at K >= 2048) is re-read by 2-8
  // row blocks: with one row block each panel is read once anyway (touches
  // only added traffic: -20% cold at M <= 4), with many the first pass is
  // amortized, and below K = 2048 the extra loop level cost 1-11% warm.
  if (K >= 2048 && rowBlocks >= 2 && rowBlocks <= 8) {
    for (; pStart + chunk <= whole; pStart += chunk) {
      const size_t pe = pStart + chunk;
      // This chunk's tiles touch the next chunk (panel data only), slice by slice.
      const size_t nextBytes = (std::min(nPanels, pe + chunk) - pe) * 32 * K;
      const size_t slice = nextBytes / (rowBlocks * chunk) / 64 * 64, ts = slice * 8 / K / 4 * 4;
      const char* t = reinterpret_cast<const char*>(ts ? panels + pe * 8 * K : panels);
      const size_t tstep = ts ? slice : 0;
      size_t m = 0;
      for (; m + 4 <= M; m += 4)
        for (size_t p = pStart; p < pe; ++p, t += tstep) tileTouch<4>(a, K, panels, bias, p, N, y, m, t, ts);
      for (size_t p = pStart; p < pe && m < M; ++p, t += tstep) {
        if (M - m == 3) tileTouch<3>(a, K, panels, bias, p, N, y, m, t, ts);
        else if (M - m == 2) tileTouch<2>(a, K, panels, bias, p, N, y, m, t, ts);
        else tileTouch<1>(a, K, panels, bias, p, N, y, m, t, ts);
      }
    }
  }
  for (size_t pc = pStart; pc < nPanels; pc += chunk) {
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
