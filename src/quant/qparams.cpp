#include "quant/qparams.h"

#include <algorithm>

#include "common/error.h"

namespace qwasm {

CodeRange codeRange(DType dtype, Scheme scheme, bool restrictRange) {
  CodeRange full = fullCodeRange(dtype);
  if (dtype == DType::Int1 || scheme == Scheme::Asymmetric || !restrictRange) return full;
  // Restricted symmetric: drop the lowest code, which has no mirror image
  // (int8 -128; uint8 0 around its zero-point 128).
  return {full.qmin + 1, full.qmax};
}

QParams symmetricQParams(float amax, DType dtype, bool restrictRange) {
  if (!(amax >= 0.0f) || std::isinf(amax)) throwInvalidArgument("symmetric range: amax must be finite and >= 0");
  const CodeRange r = codeRange(dtype, Scheme::Symmetric, restrictRange);
  QParams p;
  p.zeroPoint = isSignedDType(dtype) ? 0 : (fullCodeRange(dtype).qmax + 1) / 2;
  if (dtype == DType::Int1) {
    p.zeroPoint = 0;
    p.scale = amax > 0.0f ? amax : 1.0f;
    return p;
  }
  if (amax == 0.0f) return {1.0f, p.zeroPoint};
  float denom = restrictRange ? static_cast<float>(r.qmax - p.zeroPoint)
                              : static_cast<float>(r.qmax - r.qmin) / 2.0f;
  p.scale = amax / denom;
  if (!(p.scale > 0.0f)) p.scale = 1.0f;  // amax so small that amax / denom underflows
  return p;
}

QParams asymmetricQParams(float lo, float hi, DType dtype) {
  if (std::isnan(lo) || std::isnan(hi) || std::isinf(lo) || std::isinf(hi)) {
    throwInvalidArgument("asymmetric range: lo and hi must be finite");
  }
  if (lo > hi) throwInvalidArgument("asymmetric range: lo > hi");
  const CodeRange r = codeRange(dtype, Scheme::Asymmetric, false);
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (hi - lo == 0.0f) return {1.0f, r.qmin};
  QParams p;
  p.scale = (hi - lo) / static_cast<float>(r.qmax - r.qmin);
  if (!(p.scale > 0.0f)) return {1.0f, r.qmin};
  float z = roundHalfEven(static_cast<float>(r.qmin) - lo / p.scale);
  z = std::clamp(z, static_cast<float>(r.qmin), static_cast<float>(r.qmax));
  p.zeroPoint = static_cast<int32_t>(z);
  return p;
}

QParams qparamsFromRange(float lo, float hi, DType dtype, Scheme scheme, bool restrictRange) {
  if (scheme == Scheme::Asymmetric) return asymmetricQParams(lo, hi, dtype);
  return symmetricQParams(std::max(std::fabs(lo), std::fabs(hi)), dtype, restrictRange);
}

}  // namespace qwasm
