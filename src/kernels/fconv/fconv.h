// fp32 2-D convolution, NCHW, with the geometry of qconv.h (QConvShape):
//
//   y[b, oc, oy, ox] = Σ_{c, i, j} x[b, g·Cg + c, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw] · W[oc, c, i, j]
//                      + bias[oc]                     (padding reads 0; g = oc / (OC / groups))
//
// fconv2d gathers each image's windows straight into panels of 8 output
// positions (im2col_panel.h: the k-major panel layout of the packed fp32
// GEMM) and runs fgemm with the weight rows as the left-hand matrix, so the
// result comes out as NCHW planes, no transpose. Every output sums its K
// products in (c, i, j) order with separate multiplies and adds, then adds
// the bias: fconv2d_ref (direct) does the same, so they agree bit for bit.
#pragma once

#include <cstddef>

#include "kernels/qconv/qconv.h"

namespace qwasm::kernels {

// x [batch, C, H, W]; w [OC, C/groups, kh, kw]; bias: OC values or null; y [batch, OC, outH, outW].
void fconv2d(const float* x, size_t batch, const float* w, const float* bias, const QConvShape& s, float* y);
void fconv2d_ref(const float* x, size_t batch, const float* w, const float* bias, const QConvShape& s, float* y);

}  // namespace qwasm::kernels
