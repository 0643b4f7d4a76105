// 4-bit weight-only GEMM (LLM style: int4 / uint4 weights with one scale and
// zero-point per (output channel, group of K), int8 activations with one
// scale per row), on weights packed once.
//
//   y[m, n] = x[m, :] · W[n, :]ᵀ + bias[n]        W: [N, K] as 4-bit codes u ∈ [0, 15]
//
// Weights: W[n, k] ≈ (u[n, k] − z[n, g]) · s[n, g], g = k / groupSize (the last
// group may be shorter). Symmetric int4 stores its codes q ∈ [−8, 7] as
// u = q + 8 with z = 8 for every group (no zero-points held); asymmetric
// uint4 has any z ∈ [0, 15] per (channel, group).
// Activations: int8 a[m, k] with a per-row scale sa[m] (dynamic quantization).
//
// Math (exact integers, then float32 in a fixed order; wasm has no FMA, so
// every "·" and "+" below is one rounded float operation):
//   asum[m, g] = Σ_{k∈g} a[m, k]                                  (once per call)
//   acc[m, n, g] = Σ_{k∈g} a[m, k]·u[n, k] − z[n, g]·asum[m, g]    (int32, exact)
//   f = 0;  for g = 0, 1, 2, …:  f = f + float(acc[m, n, g]) · s[n, g]
//   y[m, n] = f · sa[m] + bias[n]
// The scalar q4gemm_ref and the SIMD kernels perform exactly these float
// operations per output, so they agree bit for bit.
//
// Packed layout (Q4PackedWeights): K is cut into `groups` groups of
// groupSize (the last one shorter), each padded to Gp = round_up(min(groupSize,
// K), 4) positions: padded position g·Gp + i holds k = g·groupSize + i for
// i < the group's length, code 0 otherwise (the activation is padded with
// zeros there, so padding contributes nothing). Kp = groups·Gp. Output
// channels come in ceil(N / 8) panels of 8 (missing channels: code 0, scale 0).
// A panel is Kp / 4 blocks of 16 bytes; block b covers padded positions
// 4b … 4b+3 of the panel's 8 channels as 8 little-endian uint16 lanes. Lane
// l = 0…7, with c = l / 2 and j = l % 2, holds
//   bits 0-3:  channel c,     position 4b + j
//   bits 4-7:  channel c,     position 4b + 2 + j
//   bits 8-11: channel 4 + c, position 4b + j
//   bits 12-15:channel 4 + c, position 4b + 2 + j
// (byte 2l: low nibble position 4b+j, high nibble 4b+2+j of channel c; byte
// 2l+1 the same for channel 4+c). Each nibble field read as int16 lanes is a
// weight vector in the [c0 k, c0 k+1, c1 k, c1 k+1, …] pair order of
// i32x4.dot_i16x8_s against a splatted activation pair: one i32x4
// accumulator holds 4 output channels, no horizontal sums, and the codes
// being unsigned, and/shift unpack them without sign extension:
//  - x16 form (tiles, M ≥ 2): t = v >>u16 8; v & 0x000F, t & 0x000F are
//    positions (4b, 4b+1) of channels 0-3 / 4-7, v & 0x00F0, t & 0x00F0
//    positions (4b+2, 4b+3) times 16. The activation, widened to int16 once
//    per call, is [16·a0, 16·a1, a2, a3] per block, so accumulators hold
//    16·acc (|16·a·u| ≤ 30720 per product).
//  - x256 form (GEMV): one op per vector, v & 0x000F (×1), v & 0x00F0 (×16),
//    v & 0x0F00 (×256), v >>u16 12 (×1), against [256·a0, 256·a1, 16·a2,
//    16·a3, a0, a1, 256·a2, 256·a3] per block (256·a fits int16):
//    accumulators hold 256·acc.
// The accumulators start at −S·z·asum (S = 16 or 256) and an arithmetic shift
// at the end of the group gives acc exactly. Or the shift is skipped: when
// every |s| and |sa| is 0 or in [2^-100, 2^60] (scalesInFoldRange and a check
// of the row scales per call), float(S·acc)·s = S·(float(acc)·s) and every
// partial sum is exactly S·f (products are normal or zero, sums exact or
// normal, nothing overflows), and y = (S·f)·(sa·(1/S)) + bias is the same
// rounding of the same real value: bit-identical, one op per accumulator and
// group fewer. Otherwise the kernels shift. |partial sums| ≤ S·3840·Gp <
// 2^31: the x16 form is exact for Gp ≤ 32768 (checked at pack), the x256
// form for Gp ≤ 2048 (longer groups take the x16 form for GEMV too).
//
// Scales: [panel][group][8] float32; zero-points (asymmetric only):
// [panel][group][8] uint8; bias: ceil(N / 8)·8 float32 (zeros when absent).
//
// Any groupSize ≥ 1 and any K (odd, not a multiple of the group size) run the
// same SIMD code through the padding above: no generic path. groupSize a
// multiple of 4 (e.g. 32/64/128) pads nothing; odd sizes waste up to 3
// positions per group (groupSize 1: 3 of 4). Two SIMD paths: GEMV (M = 1)
// streams the weights once, 4 panels (32 channels) per pass sharing the
// activation splats; M ≥ 2 runs 4 rows × 8 channels tiles that unpack each
// weight block once for the 4 rows, over L2-sized chunks of panels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qwasm::kernels {

struct Q4PackedWeights {
  size_t N = 0, K = 0;
  size_t groupSize = 0;    // as given (may exceed K: one group)
  size_t groups = 0;       // ceil(K / groupSize)
  size_t Gp = 0;           // padded group length, a multiple of 4
  bool symmetric = true;   // every zero-point is 8; `zero` is empty
  bool scalesInFoldRange = true;  // every scale is 0 or |s| in [2^-100, 2^60] (see above)
  std::vector<uint8_t> panels;  // ceil(N/8) panels of Kp/4 blocks of 16 bytes (layout above)
  std::vector<float> scale;     // [panel][group][8]
  std::vector<uint8_t> zero;    // [panel][group][8], asymmetric only
  std::vector<float> bias;      // ceil(N/8)·8

  size_t numPanels() const { return (N + 7) / 8; }
  size_t Kp() const { return groups * Gp; }
  size_t panelBytes() const { return Kp() * 4; }
  // Bytes held: packed codes + scales + zero-points + bias.
  size_t bytes() const { return panels.size() + scale.size() * sizeof(float) + zero.size() + bias.size() * sizeof(float); }
  // Read back from the packed form.
  uint8_t code(size_t n, size_t k) const;
  float scaleOf(size_t n, size_t g) const { return scale[((n / 8) * groups + g) * 8 + n % 8]; }
  int32_t zeroPoint(size_t n, size_t g) const { return symmetric ? 8 : zero[((n / 8) * groups + g) * 8 + n % 8]; }
};

// 0 or |v| in [2^-100, 2^60]: the range where the SIMD kernels may fold
// their shift into the row scale (above).
inline bool inQ4FoldRange(float v) {
  const float a = v < 0 ? -v : v;
  return a == 0.0f || (a >= 0x1p-100f && a <= 0x1p60f);
}

// codes: [N, K], one code u ∈ [0, 15] per byte. scales: [N, groups] row-major
// (SPEC's group order), finite. zeroPoints: [N, groups] in [0, 15], or null
// for symmetric int4 (z = 8). bias: N values or null. Throws on bad input,
// naming the argument.
Q4PackedWeights packQ4Weights(const uint8_t* codes, size_t N, size_t K, size_t groupSize, const float* scales,
                              const uint8_t* zeroPoints, const float* bias);

// y[M, N] (fp32) from a[M, K] int8 and rowScale[M] (null: 1 for every row).
// Runs SIMD on wasm, the reference elsewhere.
void q4gemm(const int8_t* a, size_t M, const float* rowScale, const Q4PackedWeights& w, float* y);
void q4gemm_ref(const int8_t* a, size_t M, const float* rowScale, const Q4PackedWeights& w, float* y);

// ---- lower level: the per-call activation forms the SIMD kernels read ------
// asum: [M, groups] int32, Σ_{k∈g} a[m, k] (padding excluded: it is zero).
// x16 form (tiles): M rows of Kp int16; block b (padded positions 4b … 4b+3,
// zeros in the padding) as [16·a0, 16·a1, a2, a3], matching the weight
// vectors v & 0x000F, t & 0x000F (×1) and v & 0x00F0, t & 0x00F0 (×16):
// accumulators hold 16·acc.
void prepareQ4Activations(const int8_t* a, size_t M, const Q4PackedWeights& w, int16_t* a16, int32_t* asum);
// x256 form (GEMV, one row, Gp ≤ 2048): 2·Kp int16; block b as
// [256·a0, 256·a1, 16·a2, 16·a3, a0, a1, 256·a2, 256·a3], matching
// v & 0x000F (×1), v & 0x00F0 (×16), v & 0x0F00 (×256), v >>u 12 (×1):
// one op per weight vector, accumulators hold 256·acc (|·| ≤ 256·3840·Gp < 2^31).
void prepareQ4ActivationsX256(const int8_t* a, const Q4PackedWeights& w, int16_t* a256, int32_t* asum);

}  // namespace qwasm::kernels
