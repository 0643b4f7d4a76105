// The integer quantization kernel: SIMD (wasm build) == scalar reference,
// bit for bit, on every size 0..300, ties included.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/quantize/quantize_codes.h"
#include "quant/qparams.h"

namespace qwasm::kernels {
namespace {

TEST(QuantizeKernel, SimdEqualsReferenceOnSizes0To300) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 4.0f);
  std::uniform_real_distribution<float> scale(0.01f, 2.0f);
  for (size_t n = 0; n <= 300; ++n) {
    std::vector<float> x(n);
    for (auto& v : x) v = nd(rng);
    const float s = scale(rng);
    // Plant exact ties (k + 0.5) * s for some elements.
    for (size_t i = 0; i < n; i += 7) x[i] = (static_cast<float>(static_cast<int>(i % 11) - 5) + 0.5f) * s;
    for (auto [zp, lo, hi] : {std::tuple{0, -127, 127}, std::tuple{128, 0, 255}, std::tuple{-3, -8, 7}, std::tuple{2, 0, 3}}) {
      std::vector<int32_t> a(n), b(n);
      quantize_codes(x.data(), n, s, zp, lo, hi, a.data());
      quantize_codes_ref(x.data(), n, s, zp, lo, hi, b.data());
      ASSERT_EQ(a, b) << "n=" << n << " zp=" << zp;
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(b[i], quantizeValue(x[i], QParams{s, zp}, CodeRange{lo, hi}));
    }
  }
}

TEST(QuantizeKernel, FirstNonFiniteAndMinMaxEqualReferences) {
  std::mt19937 rng(12);
  std::normal_distribution<float> nd(0.0f, 4.0f);
  for (size_t n = 1; n <= 300; ++n) {
    std::vector<float> x(n);
    for (auto& v : x) v = nd(rng);
    float lo, hi, rlo, rhi;
    minmax_f32(x.data(), n, &lo, &hi);
    minmax_f32_ref(x.data(), n, &rlo, &rhi);
    ASSERT_EQ(lo, rlo);
    ASSERT_EQ(hi, rhi);
    ASSERT_EQ(first_nonfinite(x.data(), n), n);
    const size_t at = n / 2;
    x[at] = (n % 3 == 0) ? NAN : (n % 3 == 1 ? INFINITY : -INFINITY);
    if (at + 1 < n) x[n - 1] = NAN;
    ASSERT_EQ(first_nonfinite(x.data(), n), at) << n;
    ASSERT_EQ(first_nonfinite_ref(x.data(), n), at) << n;
  }
}

TEST(QuantizeKernel, ScalarSwitchForBenchmarks) {
  set_simd_kernels(false);
  EXPECT_FALSE(simd_kernels_active());
  set_simd_kernels(true);
#if defined(__wasm_simd128__)
  EXPECT_TRUE(simd_kernels_active());
#else
  EXPECT_FALSE(simd_kernels_active());
#endif
}

}  // namespace
}  // namespace qwasm::kernels
