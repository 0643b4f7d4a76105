// The integer quantization kernel: SIMD (wasm build) == scalar reference,
// bit for bit, on every size 0..300, ties included.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>
#include <random>
#include <vector>

#include "formats/nf4.h"
#include "kernels/quantize/code_packing.h"
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

TEST(QuantizeKernel, WideCodeRangesEqualReference) {
  // int16-sized codes take the magic-bias conversion; ranges past ±2^22 keep
  // trunc_sat (codes there reach ±8e6 with this scale).
  std::mt19937 rng(13);
  std::normal_distribution<float> nd(0.0f, 4.0f);
  for (size_t n : {1, 7, 8, 9, 63, 257}) {
    std::vector<float> x(n);
    for (auto& v : x) v = nd(rng);
    for (auto [s, zp, lo, hi] : {std::tuple{0.001f, 5, -32768, 32767}, std::tuple{1e-6f, -3, -(1 << 23), 1 << 23},
                                 std::tuple{1e-6f, 0, -(1 << 22), (1 << 22) - 1}}) {
      std::vector<int32_t> a(n), b(n);
      quantize_codes(x.data(), n, s, zp, lo, hi, a.data());
      quantize_codes_ref(x.data(), n, s, zp, lo, hi, b.data());
      ASSERT_EQ(a, b) << "n=" << n << " hi=" << hi;
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

// Bit patterns of floats, so NaN and -0 compare exactly.
std::vector<uint32_t> bitsOf(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  if (!v.empty()) std::memcpy(b.data(), v.data(), v.size() * 4);
  return b;
}

TEST(QuantizeKernel, BytesDequantizeAndFakeQuantizeEqualReferencesOnSizes0To300) {
  std::mt19937 rng(13);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  std::uniform_real_distribution<float> scale(0.01f, 1.0f);
  for (size_t n = 0; n <= 300; ++n) {
    std::vector<float> x(n);
    for (auto& v : x) v = nd(rng);
    const float s = scale(rng);
    for (size_t i = 0; i < n; i += 5) x[i] = (static_cast<float>(static_cast<int>(i % 9) - 4) + 0.5f) * s;  // exact ties
    // int8 restricted, uint8 asymmetric, int4 full, uint2, int2 asymmetric
    for (auto [zp, lo, hi] : {std::tuple{0, -127, 127}, std::tuple{131, 0, 255}, std::tuple{0, -8, 7}, std::tuple{1, 0, 3}, std::tuple{-1, -2, 1}}) {
      std::vector<uint8_t> a(n), b(n);
      quantize_bytes(x.data(), n, s, zp, lo, hi, a.data());
      quantize_bytes_ref(x.data(), n, s, zp, lo, hi, b.data());
      ASSERT_EQ(a, b) << "n=" << n << " zp=" << zp;
      const CodeRange r{lo, hi};
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(b[i], static_cast<uint8_t>(quantizeValue(x[i], QParams{s, zp}, r)));
      const bool isSigned = lo < 0;
      std::vector<float> da(n), db(n), fa(n), fb(n);
      dequantize_bytes(a.data(), n, isSigned, s, zp, da.data());
      dequantize_bytes_ref(a.data(), n, isSigned, s, zp, db.data());
      ASSERT_EQ(bitsOf(da), bitsOf(db)) << n;
      for (size_t i = 0; i < n; ++i) {
        const int32_t q = isSigned ? static_cast<int8_t>(a[i]) : a[i];
        ASSERT_EQ(db[i], dequantizeValue(q, QParams{s, zp}));
      }
      fake_quantize(x.data(), n, s, zp, lo, hi, fa.data());
      fake_quantize_ref(x.data(), n, s, zp, lo, hi, fb.data());
      ASSERT_EQ(bitsOf(fa), bitsOf(fb)) << n;
      ASSERT_EQ(bitsOf(fb), bitsOf(db)) << "fake-quantize == dequantize(quantize), n=" << n;
    }
  }
}

TEST(QuantizeKernel, Nf4CodesEqualReferenceOnSizes0To300) {
  std::mt19937 rng(15);
  std::uniform_real_distribution<float> u(-1.2f, 1.2f);
  for (size_t n = 0; n <= 300; ++n) {
    std::vector<float> x(n);
    for (auto& v : x) v = u(rng);
    // Plant the exact midpoints (ties go to the lower level) and the levels.
    for (size_t i = 0; i < n; i += 3) {
      const int k = static_cast<int>(i % 15);
      x[i] = i % 2 ? 0.5f * (formats::kNf4Levels[k] + formats::kNf4Levels[k + 1]) : formats::kNf4Levels[k];
    }
    for (float s : {1.0f, 0.37f}) {
      std::vector<float> xs(x);
      for (auto& v : xs) v *= s;
      std::vector<uint8_t> a(n), b(n);
      quantize_nf4(xs.data(), n, s, a.data());
      quantize_nf4_ref(xs.data(), n, s, b.data());
      ASSERT_EQ(a, b) << n;
    }
  }
}

TEST(QuantizeKernel, PackAndUnpackEqualReferencesForEveryWidth) {
  std::mt19937 rng(14);
  for (int bits = 1; bits <= 8; ++bits) {
    for (size_t n = 0; n <= 300; ++n) {
      std::vector<uint8_t> codes(n);
      for (auto& c : codes) c = static_cast<uint8_t>(rng());  // high bits must be ignored
      const size_t bytes = (n * static_cast<size_t>(bits) + 7) / 8;
      std::vector<uint8_t> a(bytes + 1, 0xAA), b(bytes + 1, 0x55);
      pack_codes(codes.data(), n, bits, a.data());
      pack_codes_ref(codes.data(), n, bits, b.data());
      ASSERT_EQ(a[bytes], 0xAA) << "wrote past the end, bits=" << bits << " n=" << n;
      a.pop_back();
      b.pop_back();
      ASSERT_EQ(a, b) << "bits=" << bits << " n=" << n;
      // Independent bit-by-bit construction of SPEC §1's layout.
      std::vector<uint8_t> want(bytes, 0);
      for (size_t i = 0; i < n; ++i)
        for (int k = 0; k < bits; ++k)
          if ((codes[i] >> k) & 1) want[(i * static_cast<size_t>(bits) + static_cast<size_t>(k)) / 8] |= static_cast<uint8_t>(1u << ((i * static_cast<size_t>(bits) + static_cast<size_t>(k)) % 8));
      ASSERT_EQ(b, want) << "bits=" << bits << " n=" << n;
      for (bool sign : {false, true}) {
        std::vector<uint8_t> ua(n), ub(n);
        unpack_codes(a.data(), n, bits, sign, ua.data());
        unpack_codes_ref(a.data(), n, bits, sign, ub.data());
        ASSERT_EQ(ua, ub) << "bits=" << bits << " n=" << n;
        const uint32_t mask = (1u << bits) - 1;
        for (size_t i = 0; i < n; ++i) {
          int32_t v = static_cast<int32_t>(codes[i] & mask);
          if (sign && bits < 8 && (v >> (bits - 1))) v -= 1 << bits;
          ASSERT_EQ(ub[i], static_cast<uint8_t>(v)) << "bits=" << bits << " i=" << i;
        }
      }
    }
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
