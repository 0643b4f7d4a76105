// Quantized 2-D convolution, NCHW, on the packed weights of qgemm.h and the
// same fused output stage (int8/uint8 requantized with ReLU/clamp, or fp32).
//
//   y[b, oc, oy, ox] = stage( Σ_{c, i, j} x[b, g·Cg + c, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw]
//                                         · W[oc, c, i, j] )        g = oc / (OC / groups)
//
// Padding reads the activation zero-point (a real 0), so the row-sum
// correction of qgemm.h stays exact at the borders. Weights W [OC, C/groups,
// kh, kw] int8 are packed once with packQConvWeights (K = C/groups·kh·kw,
// one panel set per group).
//  - depthwise (groups = C = OC): direct convolution, 8 output columns per
//    step (i32x4.extmul_*_i16x8_s on a zero-point-padded int16 plane);
//  - everything else: im2col straight into the panel layout of qgemm.h
//    (8 output positions per panel, raw uint8/int8 activations) and
//    qgemm_channel_rows: weight rows widened to int16 at pack time are
//    splatted, activations sign/zero-extended by the load, each i32x4
//    accumulator holds 4 consecutive output positions of one channel, so
//    the fused output stage stores NCHW rows contiguously.
// qconv2d_ref is the naive direct convolution, the definition both paths
// must match exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/qgemm/qgemm.h"

namespace qwasm::kernels {

struct QConvShape {
  size_t C = 1, H = 1, W = 1;  // input channels, height, width
  size_t OC = 1, kh = 1, kw = 1;
  size_t sh = 1, sw = 1, dh = 1, dw = 1;
  size_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  size_t groups = 1;

  size_t outH() const { return (H + padTop + padBottom - dh * (kh - 1) - 1) / sh + 1; }
  size_t outW() const { return (W + padLeft + padRight - dw * (kw - 1) - 1) / sw + 1; }
  size_t reduction() const { return C / groups * kh * kw; }
  bool depthwise() const { return groups == C && OC == C; }
};

// Throws InvalidArgument naming the problem when the shape is not a valid convolution.
void validateQConvShape(const QConvShape& s);

// W [OC, C/groups, kh, kw]; scale: 1 or OC values; biases: OC values or null.
QPackedWeights packQConvWeights(const int8_t* w, const QConvShape& s, const float* scale, size_t numScales,
                                const int32_t* biasI32, const float* biasF32);

// x [batch, C, H, W] (uint8 or int8 per xq.type) -> y [batch, OC, outH, outW]
// (float / int8 / uint8 per out.kind). xq.rowScale must be null.
void qconv2d(const void* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out);
void qconv2d_ref(const void* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out);

// The direct depthwise kernel (s.depthwise(), w.raw kept): SIMD on wasm, and its reference.
void qdepthwise2d(const void* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out);
void qdepthwise2d_ref(const void* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out);

}  // namespace qwasm::kernels
