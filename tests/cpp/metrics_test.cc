#include "metrics/error_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace qwasm::metrics {
namespace {

TEST(ErrorMetrics, KnownValues) {
  const std::vector<float> a = {1, 2, 3, 4}, b = {1, 2, 3, 5};
  const ErrorMetrics m = compare(a.data(), b.data(), 4);
  EXPECT_DOUBLE_EQ(m.mse, 0.25);
  EXPECT_DOUBLE_EQ(m.rmse, 0.5);
  EXPECT_DOUBLE_EQ(m.maxAbs, 1.0);
  EXPECT_DOUBLE_EQ(m.sqnrDb, 10.0 * std::log10(30.0 / 1.0));
  EXPECT_DOUBLE_EQ(m.cosine, 34.0 / std::sqrt(30.0 * 39.0));
}

TEST(ErrorMetrics, ComputedInDouble) {
  // 1e8 + 1 vs 1e8: float32 sums would lose the difference.
  std::vector<float> a(1000, 16777216.0f), b(1000, 16777218.0f);
  const ErrorMetrics m = compare(a.data(), b.data(), a.size());
  EXPECT_DOUBLE_EQ(m.mse, 4.0);
  EXPECT_NEAR(m.sqnrDb, 10.0 * std::log10(16777216.0 * 16777216.0 / 4.0), 1e-9);
}

TEST(ErrorMetrics, EdgeCases) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<float> a = {1, -2}, zero = {0, 0};
  EXPECT_EQ(compare(a.data(), a.data(), 2).sqnrDb, inf);
  EXPECT_EQ(compare(a.data(), a.data(), 2).cosine, 1.0);
  EXPECT_EQ(compare(zero.data(), a.data(), 2).sqnrDb, -inf);  // no signal, some error
  EXPECT_EQ(compare(zero.data(), zero.data(), 2).cosine, 1.0);
  EXPECT_EQ(compare(a.data(), zero.data(), 2).cosine, 0.0);
  const ErrorMetrics e = compare(nullptr, nullptr, 0);
  EXPECT_EQ(e.mse, 0.0);
  EXPECT_EQ(e.sqnrDb, inf);
  const std::vector<float> neg = {-1, 2};
  EXPECT_DOUBLE_EQ(compare(a.data(), neg.data(), 2).cosine, -1.0);
  EXPECT_DOUBLE_EQ(compare(a.data(), neg.data(), 2).maxAbs, 4.0);
}

}  // namespace
}  // namespace qwasm::metrics
