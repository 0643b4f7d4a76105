// Scale and zero-point from a value range: the formulas of SPEC §1, in one
// place. Quantizers, observers (calibration), kernels' callers and the model
// pipeline all call these, so every path agrees to the bit.
//
// Arithmetic is float32, as PyTorch's observers and ONNX Runtime do it, so our
// (scale, zero-point) equal theirs exactly for the same range.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "quant/dtype.h"

namespace qwasm {

struct QParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

// The code range a (dtype, scheme) uses.
//  - signed symmetric, restricted (default): [-(2^(b-1)-1), 2^(b-1)-1]  (int8: [-127, 127])
//  - signed symmetric, full:                  [-2^(b-1), 2^(b-1)-1]
//  - unsigned symmetric: zero-point 2^(b-1); restricted [1, 2^b-1], full [0, 2^b-1]
//  - asymmetric: the full range of the dtype
//  - int1: [0, 1]
CodeRange codeRange(DType dtype, Scheme scheme, bool restrictRange);

// Symmetric: z = 0 (unsigned: 2^(b-1)), s = amax / qmax (restricted) or
// amax / ((qmax - qmin) / 2) (full range, PyTorch). amax == 0 gives s = 1.
QParams symmetricQParams(float amax, DType dtype, bool restrictRange = true);

// Asymmetric: the range is widened to contain 0, s = (hi - lo) / (qmax - qmin),
// z = clamp(round(qmin - lo / s), qmin, qmax). A zero-width range gives s = 1,
// z = qmin (the code of 0).
QParams asymmetricQParams(float lo, float hi, DType dtype);

// Either of the above; symmetric uses amax = max(|lo|, |hi|).
QParams qparamsFromRange(float lo, float hi, DType dtype, Scheme scheme, bool restrictRange = true);

// qparamsFromRange for n slices at once (per-channel / per-group tensors):
// the same formulas, with the code range looked up once.
void qparamsFromRanges(const float* lo, const float* hi, size_t n, DType dtype, Scheme scheme, bool restrictRange, QParams* out);

// Round half to even (the current rounding mode is never changed by qwasm).
inline float roundHalfEven(float x) { return std::nearbyintf(x); }

// q = clamp(round(x / s) + z, qmin, qmax): the reference definition.
inline int32_t quantizeValue(float x, QParams p, CodeRange r) {
  float q = roundHalfEven(x / p.scale) + static_cast<float>(p.zeroPoint);
  q = q < static_cast<float>(r.qmin) ? static_cast<float>(r.qmin) : q;
  q = q > static_cast<float>(r.qmax) ? static_cast<float>(r.qmax) : q;
  return static_cast<int32_t>(q);
}

// x' = (q - z) * s
inline float dequantizeValue(int32_t q, QParams p) {
  return static_cast<float>(q - p.zeroPoint) * p.scale;
}

}  // namespace qwasm
