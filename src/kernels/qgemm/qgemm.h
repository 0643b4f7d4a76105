// Quantized GEMM with a fused output stage, on weights packed once.
//
//   y[m, n] = stage( Σ_k a[m, k] · W[n, k] )       W: [N, K] int8, one output channel per row
//
// Activations a are uint8 or int8 with (scale sa, zero-point za); weights are
// int8, symmetric (zero-point 0), with per-channel (or per-tensor) scales sw[n].
// The zero-point of the activations is handled through the weight row sums
// computed at pack time:  Σ_k (a − za)·W = Σ_k a·W − za·rowSum[n].
//
// Output stage (ONNX Runtime QLinearMatMul / QLinearConv / MLAS semantics):
//   acc      = Σ_k a·W − za·rowSum[n] + biasI32[n]                   (int32, exact)
//   int8/uint8 out:  q = clamp(nearbyint(float(acc) · M[n]) + zo, qlo, qhi)
//                    M[n] = (sa · sw[n]) / so  computed in float32 as ORT does,
//                    nearbyint = round half to even (fp32 "magic bias" in SIMD),
//                    [qlo, qhi] = the type's range ∩ the optional ReLU/clamp.
//   fp32 out:        y = float(acc) · (sa · sw[n]) + biasF32[n], then clamp [lo, hi]
//                    (sa may also be one scale per row of a: dynamic quantization).
// Both equal ORT bit for bit as long as ORT's own requantization runs its
// fp32 multiplier path (MLAS on x86/wasm); the scalar *_ref and the SIMD code
// use the same float operations in the same order, so they agree exactly.
//
// Packed layout (QPackedWeights::panels): per group, ceil(Ng / 8) panels of
// 8 output channels; a panel holds Kp / 2 k-pairs (Kp = K rounded up to
// even) of 16 int8: [c0 k, c0 k+1, c1 k, c1 k+1, …, c7 k, c7 k+1]; missing
// channels and the odd k are zero. The SIMD micro-kernel sign-extends 8 of
// them to i16x8 with one load (i16x8.load8x8_s), splats an int16 pair of the
// activation row (widened to int16 once per call) and accumulates with
// i32x4.dot_i16x8_s: four output channels per i32x4, no horizontal sums.
// Accumulation is exact for K ≤ 65536 (|a·w| ≤ 255·128).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace qwasm::kernels {

enum class QType : uint8_t { S8, U8 };

struct QPackedWeights {
  size_t N = 0;       // output channels (all groups)
  size_t K = 0;       // reduction length per group
  size_t Kp = 0;      // K rounded up to even
  size_t groups = 1;  // grouped convolution: channels [g·N/groups, (g+1)·N/groups) read group g's inputs
  std::vector<int8_t> panels;   // see the layout above
  std::vector<int8_t> raw;      // [N, K] copy, kept only for direct (depthwise) convolution
  std::vector<int16_t> rows16;  // [N, Kp] widened copy, kept only for the convolution's channel-row GEMM
  std::vector<int32_t> rowSum;  // Σ_k W[n, k]
  std::vector<float> scale;     // sw[n] (per-tensor scales are broadcast)
  std::vector<int32_t> biasI32; // int32 bias (QLinearConv), zeros when absent
  std::vector<float> biasF32;   // float bias (fp32 output only), zeros when absent

  size_t channelsPerGroup() const { return N / groups; }
  size_t panelsPerGroup() const { return (channelsPerGroup() + 7) / 8; }
  size_t panelBytes() const { return Kp * 8; }
  const int8_t* groupPanels(size_t g) const { return panels.data() + g * panelsPerGroup() * panelBytes(); }
  // W[n, k] read back from the panels (n over all groups).
  int8_t weight(size_t n, size_t k) const;
};

// Packs W [N, K] (int8, zero-point 0). scale: 1 (per-tensor) or N values, each
// finite and > 0. biasI32 / biasF32: N values or null. groups must divide N.
// keepRaw keeps a plain copy for the direct depthwise convolution, keepRows16
// the widened rows of qgemm_channel_rows.
QPackedWeights packQWeights(const int8_t* w, size_t N, size_t K, const float* scale, size_t numScales,
                            const int32_t* biasI32, const float* biasF32, size_t groups = 1, bool keepRaw = false,
                            bool keepRows16 = false);

// Activations: type, scale, zero-point; rowScale (optional, fp32 output only)
// replaces `scale` by one scale per row of a (dynamic per-row quantization).
struct QActivation {
  QType type = QType::S8;
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  const float* rowScale = nullptr;
};

// Output: fp32, or int8/uint8 with (scale, zero-point). minValue/maxValue
// clamp in real units (ReLU: minValue = 0; ReLU6: 0 and 6).
struct QOutput {
  enum class Kind : uint8_t { F32, S8, U8 } kind = Kind::F32;
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  float minValue = -std::numeric_limits<float>::infinity();
  float maxValue = std::numeric_limits<float>::infinity();
};

// y[M, N] = stage(a[M, K] · Wᵀ). a: uint8_t* / int8_t* per aq.type; y:
// float* / int8_t* / uint8_t* per out.kind, row-major [M, N]. Requires
// w.groups == 1. qgemm runs SIMD on wasm (register-blocked 4×8 tiles, a
// 1×32 GEMV path for M = 1), the reference elsewhere.
void qgemm(const void* a, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out);
void qgemm_ref(const void* a, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out);
// The same on activations already widened to int16 rows of w.Kp values
// (k ≥ K zero; aq.type only documents their range), e.g. straight from
// quantize_rows_s16: the dynamic path then skips qgemm's widening copy.
void qgemm_a16(const int16_t* a16, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out);
void qgemm_a16_ref(const int16_t* a16, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out);

// ---- lower level, shared by qgemm and the convolution ----------------------

// The output stage resolved for one call (per channel of one group).
struct QStage {
  QOutput::Kind kind = QOutput::Kind::F32;
  const int32_t* bias = nullptr;     // [Ng] biasI32 − za·rowSum
  const float* mult = nullptr;       // [Ng] requant: (sa·sw)/so; fp32: sa·sw, or sw when rowScale is set
  const float* rowScale = nullptr;   // [M] fp32 only: per-row activation scales (mult = sw then)
  const float* biasF = nullptr;      // [Ng] fp32 only
  float lo = 0, hi = 0;              // fp32: real clamp; requant: qlo − zo, qhi − zo
  int32_t zo = 0;
};

// Builds the per-channel stage arrays for channels [c0, c0 + n) into bias/mult.
QStage makeQStage(const QActivation& aq, const QPackedWeights& w, const QOutput& out, size_t c0, size_t n,
                  std::vector<int32_t>& bias, std::vector<float>& mult);

// a16: M rows of Kp int16 (row stride lda ≥ Kp, k ≥ K zero); panels: ceil(N/8)
// panels of one group. Output element (m, n) goes to y + m·rowStride + n·colStride
// (in elements of the output type).
void qgemm_s16_panels(const int16_t* a16, size_t M, size_t lda, const int8_t* panels, size_t N, size_t Kp,
                      const QStage& st, void* y, size_t rowStride, size_t colStride);
void qgemm_s16_panels_ref(const int16_t* a16, size_t M, size_t lda, const int8_t* panels, size_t N, size_t Kp,
                          const QStage& st, void* y, size_t rowStride, size_t colStride);

// The transposed form the convolution uses: channels on rows, output
// positions in the panels. w16: OC rows of Kp int16 weights (QPackedWeights::
// rows16 of one group); xpanels: ceil(P/8) panels of 8 positions in the
// panel layout above, holding uint8 (xUnsigned) or int8 activations; the
// stage is indexed by row (channel). y[oc·P + p]: NCHW for one image/group.
void qgemm_channel_rows(const int16_t* w16, size_t OC, size_t Kp, const void* xpanels, bool xUnsigned, size_t P, const QStage& st, void* y);
void qgemm_channel_rows_ref(const int16_t* w16, size_t OC, size_t Kp, const void* xpanels, bool xUnsigned, size_t P, const QStage& st, void* y);

// The scalar output stage of one accumulator (what the SIMD code computes).
inline int32_t requantizeOne(int32_t acc, float mult, float lo, float hi, int32_t zo) {
  float v = static_cast<float>(acc) * mult;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  // Round half to even with the fp32 "magic bias" (|v| < 2^22 after the clamp).
  const float r = v + 12582912.0f;
  int32_t bits;
  static_assert(sizeof(bits) == sizeof(r));
  __builtin_memcpy(&bits, &r, sizeof(bits));
  return bits - 0x4B400000 + zo;
}

}  // namespace qwasm::kernels
