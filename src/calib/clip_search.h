// The clipping-range searches behind percentile, MSE and entropy
// calibration. Each works on exact values (one tensor) or on a Histogram
// (streamed batches); all return a range for the SPEC §1 formulas.
#pragma once

#include <vector>

#include "calib/histogram.h"
#include "calib/range_method.h"

namespace qwasm::calib {

// Percentile: symmetric -> [-t, t] with t the p-th percentile of |x|;
// asymmetric -> [(100-p)-th, p-th] percentiles of x. Exact on values.
Range percentileRange(std::vector<float> values, double p, Scheme scheme);
Range percentileRange(const Histogram& h, double p, Scheme scheme);

// MSE: the threshold minimising the mean squared quantization error for the
// target format. Grid of 200 candidates over (0, max], then a 40-step golden
// section search around the best one. Symmetric searches t for [-t, t];
// asymmetric scales [min, max] by one factor in (0, 1].
Range mseRange(const float* x, size_t n, const RangeOptions& o);
Range mseRange(const Histogram& h, const RangeOptions& o);

// Entropy: TensorRT's KL-divergence calibration on the histogram of |x|
// (2048 bins): for every candidate bin count i from 2^(b-1) up, fold the
// tail into bin i-1, quantize the distribution to 2^(b-1) bins, and keep the
// i with the smallest KL(P || Q); t = (i + 0.5) * bin width.
Range entropyRange(const Histogram& h, const RangeOptions& o);

}  // namespace qwasm::calib
