#include "metrics/error_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qwasm::metrics {

ErrorMetrics compare(const float* ref, const float* approx, size_t n) {
  double se = 0, signal = 0, dot = 0, na = 0, nb = 0, maxAbs = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = ref[i], b = approx[i], d = a - b;
    se += d * d;
    signal += a * a;
    dot += a * b;
    na += a * a;
    nb += b * b;
    maxAbs = std::fmax(maxAbs, std::fabs(d));
  }
  ErrorMetrics m;
  m.mse = n ? se / static_cast<double>(n) : 0.0;
  m.rmse = std::sqrt(m.mse);
  m.maxAbs = maxAbs;
  const double inf = std::numeric_limits<double>::infinity();
  m.sqnrDb = se == 0 ? inf : (signal == 0 ? -inf : 10.0 * std::log10(signal / se));
  // sqrt(na * nb): exactly |a|² when a == b, so identical vectors give 1.
  m.cosine = (na == 0 || nb == 0) ? (se == 0 ? 1.0 : 0.0) : std::clamp(dot / std::sqrt(na * nb), -1.0, 1.0);
  return m;
}

}  // namespace qwasm::metrics
