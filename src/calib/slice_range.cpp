// sliceRange(): min-max here; the calibration methods (percentile, MSE,
// entropy) dispatch to their observers.
#include <algorithm>
#include <string>

#include "calib/range_method.h"
#include "common/error.h"

namespace qwasm::calib {

namespace {

Range minMaxRange(const float* x, size_t n) {
  if (n == 0) return {};
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  return {lo, hi};
}

}  // namespace

Range sliceRange(const float* x, size_t n, const RangeOptions& options) {
  switch (options.method) {
    case RangeMethod::MinMax:
      return minMaxRange(x, n);
    default:
      throwUnsupported(std::string("range method '") + rangeMethodName(options.method) + "' is not built yet");
  }
}

}  // namespace qwasm::calib
