// sliceRange(): the range of one tensor slice by the chosen method. Exact on
// the slice's values (no histogram approximation for percentile and MSE);
// entropy bins the slice into a 4096-bin histogram (2048 bins of |x|).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "calib/clip_search.h"
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
    case RangeMethod::Percentile:
      if (!(options.percentile > 0.0 && options.percentile <= 100.0)) {
        throwInvalidArgument("percentile must be in (0, 100], got " + std::to_string(options.percentile));
      }
      return percentileRange(std::vector<float>(x, x + n), options.percentile, options.scheme);
    case RangeMethod::MSE:
      return mseRange(x, n, options);
    case RangeMethod::Entropy: {
      Histogram h(4096);
      h.add(x, n);
      return entropyRange(h, options);
    }
  }
  return minMaxRange(x, n);
}

}  // namespace qwasm::calib
