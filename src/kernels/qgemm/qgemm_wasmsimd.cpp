// wasm SIMD128 micro-kernels of the packed quantized GEMM (layout: qgemm.h),
// and the dispatching entry point (the reference elsewhere).
//  - MR rows × NP panels of 8 channels: per k-pair, NP·2 weight vectors
//    (i16x8.load8x8_s: load + sign-extend in one instruction), MR int16-pair
//    splats of the activation rows, MR·NP·2 i32x4.dot_i16x8_s; each i32x4
//    accumulator already holds 4 output channels (no horizontal sums).
//  - 4×8 tiles for M ≥ 2 (8 accumulators + 2 weight vectors + 1 splat fit
//    the 16 SIMD registers of x86-64 hosts), 1×32 for GEMV (M = 1).
//  - Weight panels are walked in chunks of ~128 KiB so a chunk stays in L2
//    while every activation row block passes over it.
//  - Output stage vectorized: f32x4 convert, multiply, clamp (pmin/pmax),
//    "magic bias" rounding, saturating narrow to int8/uint8.
//  - qgemm_channel_rows (convolution): the same micro-kernel with weights as
//    the splatted rows and uint8/int8 activation panels (load8x8_u/_s), so
//    the lanes are output positions and the stage takes per-row parameters.
#include <algorithm>
#include <vector>

#include "kernels/qgemm/qgemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/qgemm/qstage_simd.h"
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)

namespace {

// Rows per tile for M >= 2. 4×8 measured faster than 5×8 and 6×8 under V8
// on x86-64 (the larger tiles spill accumulators).
constexpr int kMR = 4;

// Stage arrays padded to whole panels so the epilogue can load 4 lanes freely.
struct PaddedStage {
  std::vector<int32_t> bias;
  std::vector<float> mult, biasF;
  PaddedStage(const QStage& st, size_t N, size_t Np) : bias(Np, 0), mult(Np, 0.0f), biasF(Np, 0.0f) {
    std::copy(st.bias, st.bias + N, bias.begin());
    std::copy(st.mult, st.mult + N, mult.begin());
    if (st.biasF) std::copy(st.biasF, st.biasF + N, biasF.begin());
  }
};

// BU8: the panels hold uint8 (activations of the convolution), else int8.
template <int MR, int NP, bool BU8 = false>
inline void microTile(const int16_t* a, size_t lda, const void* bp, size_t panelBytes, size_t Kp, v128_t (&acc)[MR][2 * NP]) {
  const uint8_t* b = static_cast<const uint8_t*>(bp);
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 2 * NP; ++j) acc[i][j] = wasm_i32x4_splat(0);
#pragma clang loop unroll_count(2)
  for (size_t k = 0; k < Kp; k += 2) {
    v128_t bv[2 * NP];
    for (int p = 0; p < NP; ++p) {
      if constexpr (BU8) {
        bv[2 * p] = wasm_u16x8_load8x8(b + p * panelBytes + k * 8);
        bv[2 * p + 1] = wasm_u16x8_load8x8(b + p * panelBytes + k * 8 + 8);
      } else {
        bv[2 * p] = wasm_i16x8_load8x8(b + p * panelBytes + k * 8);
        bv[2 * p + 1] = wasm_i16x8_load8x8(b + p * panelBytes + k * 8 + 8);
      }
    }
    for (int i = 0; i < MR; ++i) {
      const v128_t av = wasm_v128_load32_splat(a + i * lda + k);
      for (int j = 0; j < 2 * NP; ++j) acc[i][j] = wasm_i32x4_add(acc[i][j], wasm_i32x4_dot_i16x8(av, bv[j]));
    }
  }
}

// Output stage of one MR × (8·NP) tile at (m0, n0); mr rows and nc columns valid.
template <int MR, int NP>
inline void epilogue(const v128_t (&acc)[MR][2 * NP], const QStage& st, const PaddedStage& ps, size_t m0, size_t n0, int mr,
                     size_t nc, void* y, size_t rowStride, size_t colStride) {
  for (int i = 0; i < mr; ++i) {
    const size_t m = m0 + i;
    for (int j = 0; j < 2 * NP; ++j) {
      const size_t n = n0 + 4 * j;
      if (n >= n0 + nc) break;
      v128_t mult = wasm_v128_load(ps.mult.data() + n);
      if (st.rowScale) mult = wasm_f32x4_mul(wasm_f32x4_splat(st.rowScale[m]), mult);
      simd::stageStore4(wasm_i32x4_add(acc[i][j], wasm_v128_load(ps.bias.data() + n)), mult, wasm_v128_load(ps.biasF.data() + n), st, y,
                        m * rowStride + n * colStride, colStride, std::min<size_t>(4, n0 + nc - n));
    }
  }
}

template <int MR, int NP>
inline void tile(const int16_t* a, size_t lda, const int8_t* panels, size_t Kp, size_t N, const QStage& st, const PaddedStage& ps,
                 size_t m0, int mr, size_t p0, void* y, size_t rowStride, size_t colStride) {
  v128_t acc[MR][2 * NP];
  microTile<MR, NP>(a + m0 * lda, lda, panels + p0 * Kp * 8, Kp * 8, Kp, acc);
  const size_t n0 = p0 * 8;
  epilogue<MR, NP>(acc, st, ps, m0, n0, mr, std::min<size_t>(8 * NP, N - n0), y, rowStride, colStride);
}

}  // namespace

void qgemm_s16_panels(const int16_t* a16, size_t M, size_t lda, const int8_t* panels, size_t N, size_t Kp, const QStage& st,
                      void* y, size_t rowStride, size_t colStride) {
  const size_t nPanels = (N + 7) / 8;
  const PaddedStage ps(st, N, nPanels * 8);
  if (M == 1) {
    size_t p = 0;
    for (; p + 4 <= nPanels; p += 4) tile<1, 4>(a16, lda, panels, Kp, N, st, ps, 0, 1, p, y, rowStride, colStride);
    for (; p < nPanels; ++p) tile<1, 1>(a16, lda, panels, Kp, N, st, ps, 0, 1, p, y, rowStride, colStride);
    return;
  }
  const size_t chunk = std::max<size_t>(1, (128 * 1024) / (Kp * 8));
  for (size_t pc = 0; pc < nPanels; pc += chunk) {
    const size_t pe = std::min(nPanels, pc + chunk);
    size_t m = 0;
    for (; m + kMR <= M; m += kMR)
      for (size_t p = pc; p < pe; ++p) tile<kMR, 1>(a16, lda, panels, Kp, N, st, ps, m, kMR, p, y, rowStride, colStride);
    const int rest = static_cast<int>(M - m);
    for (size_t p = pc; p < pe && rest > 0; ++p) {
      if (rest == 3) tile<3, 1>(a16, lda, panels, Kp, N, st, ps, m, 3, p, y, rowStride, colStride);
      else if (rest == 2) tile<2, 1>(a16, lda, panels, Kp, N, st, ps, m, 2, p, y, rowStride, colStride);
      else tile<1, 1>(a16, lda, panels, Kp, N, st, ps, m, 1, p, y, rowStride, colStride);
    }
  }
}

namespace {

// Channels on rows: the output stage takes per-row parameters and the lanes
// are 4 consecutive output positions (contiguous NCHW stores).
template <int MR, bool BU8>
inline void channelTile(const int16_t* w16, size_t Kp, const void* xpanels, size_t p0, size_t P, const QStage& st, size_t m0, int mr, void* y) {
  v128_t acc[MR][2];
  microTile<MR, 1, BU8>(w16 + m0 * Kp, Kp, static_cast<const uint8_t*>(xpanels) + p0 * Kp * 8, Kp * 8, Kp, acc);
  const size_t n0 = p0 * 8;
  for (int i = 0; i < mr; ++i) {
    const size_t m = m0 + i;
    const v128_t bias = wasm_i32x4_splat(st.bias[m]), mult = wasm_f32x4_splat(st.mult[m]);
    const v128_t biasF = wasm_f32x4_splat(st.biasF ? st.biasF[m] : 0.0f);
    for (int j = 0; j < 2; ++j) {
      const size_t n = n0 + 4 * j;
      if (n >= P) break;
      simd::stageStore4(wasm_i32x4_add(acc[i][j], bias), mult, biasF, st, y, m * P + n, 1, std::min<size_t>(4, P - n));
    }
  }
}

template <bool BU8>
void channelRows(const int16_t* w16, size_t OC, size_t Kp, const void* xpanels, size_t P, const QStage& st, void* y) {
  const size_t nPanels = (P + 7) / 8;
  const size_t chunk = std::max<size_t>(1, (128 * 1024) / (Kp * 8));
  for (size_t pc = 0; pc < nPanels; pc += chunk) {
    const size_t pe = std::min(nPanels, pc + chunk);
    size_t m = 0;
    for (; m + kMR <= OC; m += kMR)
      for (size_t p = pc; p < pe; ++p) channelTile<kMR, BU8>(w16, Kp, xpanels, p, P, st, m, kMR, y);
    const int rest = static_cast<int>(OC - m);
    for (size_t p = pc; p < pe && rest > 0; ++p) {
      if (rest == 3) channelTile<3, BU8>(w16, Kp, xpanels, p, P, st, m, 3, y);
      else if (rest == 2) channelTile<2, BU8>(w16, Kp, xpanels, p, P, st, m, 2, y);
      else channelTile<1, BU8>(w16, Kp, xpanels, p, P, st, m, 1, y);
    }
  }
}

}  // namespace

void qgemm_channel_rows(const int16_t* w16, size_t OC, size_t Kp, const void* xpanels, bool xUnsigned, size_t P, const QStage& st, void* y) {
  if (xUnsigned) channelRows<true>(w16, OC, Kp, xpanels, P, st, y);
  else channelRows<false>(w16, OC, Kp, xpanels, P, st, y);
}

#else

void qgemm_s16_panels(const int16_t* a16, size_t M, size_t lda, const int8_t* panels, size_t N, size_t Kp, const QStage& st,
                      void* y, size_t rowStride, size_t colStride) {
  qgemm_s16_panels_ref(a16, M, lda, panels, N, Kp, st, y, rowStride, colStride);
}

void qgemm_channel_rows(const int16_t* w16, size_t OC, size_t Kp, const void* xpanels, bool xUnsigned, size_t P, const QStage& st, void* y) {
  qgemm_channel_rows_ref(w16, OC, Kp, xpanels, xUnsigned, P, st, y);
}

#endif

}  // namespace qwasm::kernels
