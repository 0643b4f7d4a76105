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

namespace {

// What the formulas need to know about a (dtype, scheme, restrictRange),
// looked up once (qparamsFromRanges applies it to many slices).
struct RangeFacts {
  CodeRange range;       // codeRange(dtype, scheme, restrictRange)
  int32_t symmetricZero; // 0 for signed types, 2^(b-1) for unsigned
  bool int1;
};

RangeFacts factsOf(DType dtype, Scheme scheme, bool restrictRange) {
  return {codeRange(dtype, scheme, restrictRange), isSignedDType(dtype) ? 0 : (fullCodeRange(dtype).qmax + 1) / 2, dtype == DType::Int1};
}

QParams symmetric(float amax, const RangeFacts& f, bool restrictRange) {
  if (!(amax >= 0.0f) || std::isinf(amax)) throwInvalidArgument("symmetric range: amax must be finite and >= 0");
  const CodeRange r = f.range;
  QParams p;
  p.zeroPoint = f.symmetricZero;
  if (f.int1) {
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

QParams asymmetric(float lo, float hi, const CodeRange r) {
  if (std::isnan(lo) || std::isnan(hi) || std::isinf(lo) || std::isinf(hi)) {
    throwInvalidArgument("asymmetric range: lo and hi must be finite");
  }
  if (lo > hi) throwInvalidArgument("asymmetric range: lo > hi");
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

}  // namespace

QParams symmetricQParams(float amax, DType dtype, bool restrictRange) {
  return symmetric(amax, factsOf(dtype, Scheme::Symmetric, restrictRange), restrictRange);
}

QParams asymmetricQParams(float lo, float hi, DType dtype) {
  return asymmetric(lo, hi, codeRange(dtype, Scheme::Asymmetric, false));
}

QParams qparamsFromRange(float lo, float hi, DType dtype, Scheme scheme, bool restrictRange) {
  if (scheme == Scheme::Asymmetric) return asymmetricQParams(lo, hi, dtype);
  return symmetricQParams(std::max(std::fabs(lo), std::fabs(hi)), dtype, restrictRange);
}

void qparamsFromRanges(const float* lo, const float* hi, size_t n, DType dtype, Scheme scheme, bool restrictRange, QParams* out) {
  const RangeFacts f = factsOf(dtype, scheme, restrictRange);
  for (size_t i = 0; i < n; ++i) {
    out[i] = scheme == Scheme::Asymmetric ? asymmetric(lo[i], hi[i], f.range)
                                          : symmetric(std::max(std::fabs(lo[i]), std::fabs(hi[i])), f, restrictRange);
  }
}

}  // namespace qwasm
