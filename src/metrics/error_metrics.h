// Error between a reference tensor and its approximation (SPEC §1), in double.
#pragma once

#include <cstddef>

namespace qwasm::metrics {

struct ErrorMetrics {
  double mse = 0;
  double rmse = 0;
  double maxAbs = 0;
  double sqnrDb = 0;  // 10 log10(Σx² / Σ(x - x')²); +Infinity when exact
  double cosine = 0;  // 1 when either vector is all zeros and both are equal
};

ErrorMetrics compare(const float* reference, const float* approx, size_t n);

}  // namespace qwasm::metrics
