// wasm SIMD128 kernels of the 4-bit weight-only GEMM (layout and formulas:
// q4gemm.h), and the dispatching entry point (the reference elsewhere).
//  - Codes are unsigned: a 16-byte block (4 padded positions × 8 channels)
//    becomes four int16 weight vectors with and / shift only, no sign
//    extension; per row, splatted int16 activation pairs and four
//    i32x4.dot_i16x8_s into two accumulators of 4 channels each (no
//    horizontal sums).
//  - GEMV (M = 1, Gp ≤ 2048): the x256 activation form, so one op per weight
//    vector (v & 0x000F, v & 0x00F0, v & 0x0F00, v >>u 12); 4 panels (32
//    channels) per pass share the 4 activation splats of a block. The weights
//    are streamed once.
//  - M ≥ 2 (and GEMV with longer groups): the x16 form (t = v >>u 8, then
//    v & 0x000F, t & 0x000F, v & 0x00F0, t & 0x00F0; two splats per row and
//    block), 4 rows × 8 channels tiles that unpack each block once for the 4
//    rows, over chunks of panels of ~128 KiB so a chunk stays in L2 while
//    every row block passes over it. 8 accumulators + the block's weight
//    vectors + 2 masks is what x86-64's ~15 SIMD registers hold (measured:
//    3×8, 2×16 and loading each row's 4 activations once + shuffles were no
//    faster; V8 hoists the splat loads, so larger tiles spill).
//  - Per group: the accumulators start at −S·z·asum (S = 16 or 256), end
//    with an arithmetic shift (exact), i32 → f32, multiply by the group's
//    scales, add into the float accumulators: the reference's operations,
//    lane by lane. When every scale is in the fold range (q4gemm.h) the
//    shift is skipped and the row scale multiplied by 1/S instead: the float
//    accumulators then hold exactly S·f and y comes out bit-identical.
#include <algorithm>
#include <vector>

#include "kernels/q4gemm/q4gemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)

namespace {

constexpr int kMR = 4;

// A splat of a value LLVM cannot see: it otherwise rematerializes v128.const
// inside the loops, which V8 builds with several scalar moves each time.
inline v128_t opaqueSplat16(int32_t v) {
  __asm__("" : "+r"(v));
  return wasm_i16x8_splat(static_cast<int16_t>(v));
}

// Accumulators of one group for MR rows × NP panels: −S·z·asum.
template <int MR, int NP, bool ASYM, int S>
inline void initGroup(v128_t (&acc)[MR][2 * NP], const int32_t* asum, size_t asumStride, const uint8_t* zp, size_t zpStride) {
  if constexpr (ASYM) {
    for (int p = 0; p < NP; ++p) {
      const v128_t z8 = wasm_u16x8_load8x8(zp + p * zpStride);
      const v128_t zl = wasm_u32x4_extend_low_u16x8(z8), zh = wasm_u32x4_extend_high_u16x8(z8);
      for (int i = 0; i < MR; ++i) {
        const v128_t ns = wasm_i32x4_splat(-S * asum[i * asumStride]);
        acc[i][2 * p] = wasm_i32x4_mul(zl, ns);
        acc[i][2 * p + 1] = wasm_i32x4_mul(zh, ns);
      }
    }
  } else {
    for (int i = 0; i < MR; ++i) {
      const v128_t v = wasm_i32x4_splat(-S * 8 * asum[i * asumStride]);
      for (int j = 0; j < 2 * NP; ++j) acc[i][j] = v;
    }
  }
}

// f += float(acc >> SHIFT) · s, per row and 4 channels, for NP panels.
template <int MR, int NP, int SHIFT>
inline void finishGroup(v128_t (&f)[MR][2 * NP], const v128_t (&acc)[MR][2 * NP], const float* sc, size_t scStride) {
  for (int p = 0; p < NP; ++p) {
    const v128_t sl = wasm_v128_load(sc + p * scStride), sh = wasm_v128_load(sc + p * scStride + 4);
    for (int i = 0; i < MR; ++i) {
      f[i][2 * p] = wasm_f32x4_add(f[i][2 * p], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_shr(acc[i][2 * p], SHIFT)), sl));
      f[i][2 * p + 1] =
          wasm_f32x4_add(f[i][2 * p + 1], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_shr(acc[i][2 * p + 1], SHIFT)), sh));
    }
  }
}

// y = f · (sa[m] · rowFactor) + bias[n] for mr rows from m0 and the valid
// channels from n0 (rowFactor: 1, or 1/S when the shift was folded).
template <int MR, int NP>
inline void storeTile(const v128_t (&f)[MR][2 * NP], const float* rowScale, float rowFactor, const Q4PackedWeights& w, size_t m0, int mr,
                      size_t n0, float* y) {
  const size_t N = w.N, nc = std::min<size_t>(8 * NP, N - n0);
  for (int i = 0; i < mr; ++i) {
    const v128_t sa = wasm_f32x4_splat(rowScale ? rowScale[m0 + i] * rowFactor : rowFactor);
    float* out = y + (m0 + i) * N + n0;
    for (int j = 0; j < 2 * NP; ++j) {
      const size_t n = 4 * static_cast<size_t>(j);
      if (n >= nc) break;
      const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(f[i][j], sa), wasm_v128_load(w.bias.data() + n0 + n));
      if (n + 4 <= nc) {
        wasm_v128_store(out + n, v);
      } else {
        float t[4];
        wasm_v128_store(t, v);
        for (size_t l = 0; n + l < nc; ++l) out[n + l] = t[l];
      }
    }
  }
}

// GEMV on the x256 activation form (8 int16 per block), NP panels from p0.
// FOLD: the float accumulators hold 256·f (no shift), the row scale takes 1/256.
template <int NP, bool ASYM, bool FOLD>
__attribute__((noinline)) void gemv256(const int16_t* a256, const int32_t* asum, const float* rowScale, const Q4PackedWeights& w,
                                       size_t p0, float* y) {
  const size_t G = w.groups, Gp = w.Gp, pb = w.panelBytes();
  const uint8_t* b = w.panels.data() + p0 * pb;
  const float* sc = w.scale.data() + p0 * G * 8;
  const uint8_t* zp = ASYM ? w.zero.data() + p0 * G * 8 : nullptr;
  const v128_t m0 = opaqueSplat16(0x000F), m1 = opaqueSplat16(0x00F0), m2 = opaqueSplat16(0x0F00);
  v128_t f[1][2 * NP];
  for (int j = 0; j < 2 * NP; ++j) f[0][j] = wasm_f32x4_splat(0.0f);
  const int16_t* ag = a256;
  for (size_t g = 0; g < G; ++g, sc += 8, zp += ASYM ? 8 : 0) {
    v128_t acc[1][2 * NP];
    initGroup<1, NP, ASYM, 256>(acc, asum + g, 0, zp, G * 8);
    for (const uint8_t* be = b + Gp * 4; b < be; b += 16, ag += 8) {
      const v128_t s0 = wasm_v128_load32_splat(ag), s1 = wasm_v128_load32_splat(ag + 2);
      const v128_t s2 = wasm_v128_load32_splat(ag + 4), s3 = wasm_v128_load32_splat(ag + 6);
      for (int p = 0; p < NP; ++p) {
        const v128_t v = wasm_v128_load(b + p * pb);
        v128_t& lo = acc[0][2 * p];
        v128_t& hi = acc[0][2 * p + 1];
        lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(s0, wasm_v128_and(v, m0)));
        lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(s1, wasm_v128_and(v, m1)));
        hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(s2, wasm_v128_and(v, m2)));
        hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(s3, wasm_u16x8_shr(v, 12)));
      }
    }
    finishGroup<1, NP, FOLD ? 0 : 8>(f, acc, sc, G * 8);
  }
  storeTile<1, NP>(f, rowScale, FOLD ? 1.0f / 256 : 1.0f, w, 0, 1, p0 * 8, y);
}

// MR rows from m0 × NP panels from p0 on the x16 activation form (4 int16
// per block, row stride lda). FOLD: as gemv256, with 16.
template <int MR, int NP, bool ASYM, bool FOLD>
__attribute__((noinline)) void tile16(const int16_t* a16, size_t lda, const int32_t* asum, const float* rowScale, const Q4PackedWeights& w,
                                      size_t m0, int mr, size_t p0, float* y) {
  const size_t G = w.groups, Gp = w.Gp, pb = w.panelBytes();
  const uint8_t* b = w.panels.data() + p0 * pb;
  const float* sc = w.scale.data() + p0 * G * 8;
  const uint8_t* zp = ASYM ? w.zero.data() + p0 * G * 8 : nullptr;
  const v128_t m0f = opaqueSplat16(0x000F), mf0 = opaqueSplat16(0x00F0);
  v128_t f[MR][2 * NP];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 2 * NP; ++j) f[i][j] = wasm_f32x4_splat(0.0f);
  const int16_t* ag = a16 + m0 * lda;
  asum += m0 * G;
  for (size_t g = 0; g < G; ++g, sc += 8, zp += ASYM ? 8 : 0) {
    v128_t acc[MR][2 * NP];
    initGroup<MR, NP, ASYM, 16>(acc, asum + g, G, zp, G * 8);
    for (const uint8_t* be = b + Gp * 4; b < be; b += 16, ag += 4) {
      for (int p = 0; p < NP; ++p) {
        const v128_t v = wasm_v128_load(b + p * pb);
        const v128_t t = wasm_u16x8_shr(v, 8);
        const v128_t w0 = wasm_v128_and(v, m0f), w1 = wasm_v128_and(t, m0f);
        const v128_t w2 = wasm_v128_and(v, mf0), w3 = wasm_v128_and(t, mf0);
        for (int i = 0; i < MR; ++i) {
          const v128_t a0 = wasm_v128_load32_splat(ag + i * lda), a1 = wasm_v128_load32_splat(ag + i * lda + 2);
          v128_t& lo = acc[i][2 * p];
          v128_t& hi = acc[i][2 * p + 1];
          lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(a0, w0));
          hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(a0, w1));
          lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(a1, w2));
          hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(a1, w3));
        }
      }
    }
    finishGroup<MR, NP, FOLD ? 0 : 4>(f, acc, sc, G * 8);
  }
  storeTile<MR, NP>(f, rowScale, FOLD ? 1.0f / 16 : 1.0f, w, m0, mr, p0 * 8, y);
}

template <bool ASYM, bool FOLD>
void run(const int8_t* a, size_t M, const float* rowScale, const Q4PackedWeights& w, float* y) {
  const size_t np = w.numPanels(), Kp = w.Kp();
  std::vector<int32_t> asum(M * w.groups);
  if (M == 1 && w.Gp <= 2048) {
    std::vector<int16_t> a256(2 * Kp);
    prepareQ4ActivationsX256(a, w, a256.data(), asum.data());
    size_t p = 0;
    for (; p + 4 <= np; p += 4) gemv256<4, ASYM, FOLD>(a256.data(), asum.data(), rowScale, w, p, y);
    for (; p + 2 <= np; p += 2) gemv256<2, ASYM, FOLD>(a256.data(), asum.data(), rowScale, w, p, y);
    for (; p < np; ++p) gemv256<1, ASYM, FOLD>(a256.data(), asum.data(), rowScale, w, p, y);
    return;
  }
  std::vector<int16_t> a16(M * Kp);
  prepareQ4Activations(a, M, w, a16.data(), asum.data());
  if (M == 1) {
    size_t p = 0;
    for (; p + 2 <= np; p += 2) tile16<1, 2, ASYM, FOLD>(a16.data(), Kp, asum.data(), rowScale, w, 0, 1, p, y);
    for (; p < np; ++p) tile16<1, 1, ASYM, FOLD>(a16.data(), Kp, asum.data(), rowScale, w, 0, 1, p, y);
    return;
  }
  const size_t chunk = std::max<size_t>(1, (128 * 1024) / w.panelBytes());
  for (size_t pc = 0; pc < np; pc += chunk) {
    const size_t pe = std::min(np, pc + chunk);
    size_t m = 0;
    for (; m + kMR <= M; m += kMR)
      for (size_t p = pc; p < pe; ++p) tile16<kMR, 1, ASYM, FOLD>(a16.data(), Kp, asum.data(), rowScale, w, m, kMR, p, y);
    const int rest = static_cast<int>(M - m);
    for (size_t p = pc; p < pe && rest > 0; ++p) {
      if (rest == 3) tile16<3, 1, ASYM, FOLD>(a16.data(), Kp, asum.data(), rowScale, w, m, 3, p, y);
      else if (rest == 2) tile16<2, 1, ASYM, FOLD>(a16.data(), Kp, asum.data(), rowScale, w, m, 2, p, y);
      else tile16<1, 1, ASYM, FOLD>(a16.data(), Kp, asum.data(), rowScale, w, m, 1, p, y);
    }
  }
}

}  // namespace

void q4gemm(const int8_t* a, size_t M, const float* rowScale, const Q4PackedWeights& w, float* y) {
  if (M == 0) return;
  bool fold = w.scalesInFoldRange;
  for (size_t m = 0; rowScale && fold && m < M; ++m) fold = inQ4FoldRange(rowScale[m]);
  if (fold) {
    if (w.symmetric) run<false, true>(a, M, rowScale, w, y);
    else run<true, true>(a, M, rowScale, w, y);
  } else {
    if (w.symmetric) run<false, false>(a, M, rowScale, w, y);
    else run<true, false>(a, M, rowScale, w, y);
  }
}

#else

void q4gemm(const int8_t* a, size_t M, const float* rowScale, const Q4PackedWeights& w, float* y) {
  q4gemm_ref(a, M, rowScale, w, y);
}

#endif

}  // namespace qwasm::kernels
