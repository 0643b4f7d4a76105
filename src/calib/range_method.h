// How a tensor slice's value range [lo, hi] is chosen before the SPEC §1
// formulas turn it into (scale, zero-point). The tensor quantizer calls
// sliceRange() once per slice (the whole tensor, one channel, or one group);
// the calibration observers implement the methods other than min-max.
#pragma once

#include <cstddef>
#include <string_view>

#include "quant/dtype.h"

namespace qwasm::calib {

enum class RangeMethod { MinMax, Percentile, MSE, Entropy };

RangeMethod parseRangeMethod(std::string_view name, const char* argName = "range");
const char* rangeMethodName(RangeMethod method);

struct RangeOptions {
  RangeMethod method = RangeMethod::MinMax;
  double percentile = 99.99;  // for Percentile: clip at this percentile (of |x| when symmetric)
  DType dtype = DType::Int8;  // the target format (MSE and entropy search depend on it)
  Scheme scheme = Scheme::Symmetric;
  bool restrictRange = true;
};

struct Range {
  float lo = 0.0f;
  float hi = 0.0f;
};

// The range of `n` contiguous values. Min-max returns [min, max]; the other
// methods return a clipped range. Values must be finite (the caller checks).
Range sliceRange(const float* x, size_t n, const RangeOptions& options);

}  // namespace qwasm::calib
