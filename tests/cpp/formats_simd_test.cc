// Bulk float conversions (kernels/quantize/float_convert.h): the SIMD kernels
// equal the per-value references bit for bit, and the references equal
// independent constructions: numpy's astype(float16) (fixture) and a
// brute-force nearest-value search for fp8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "formats/minifloat.h"
#include "io/json/json.h"
#include "kernels/quantize/float_convert.h"

namespace qwasm::kernels {
namespace {

float fromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint32_t toBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
std::vector<uint32_t> bitsOf(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  for (size_t i = 0; i < v.size(); ++i) b[i] = toBits(v[i]);
  return b;
}

// Values that stress a format: every representable value of the format, the
// midpoints between neighbours and one float ulp either side of them,
// specials, random values over many binades.
std::vector<float> stressValues(const std::vector<float>& grid) {
  std::vector<float> v = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, fromBits(0x7F800001), fromBits(0xFFC00001),
                          std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min()};
  for (size_t i = 0; i < grid.size(); ++i) {
    v.push_back(grid[i]);
    v.push_back(-grid[i]);
    if (i + 1 < grid.size()) {
      const float mid = static_cast<float>(0.5 * (static_cast<double>(grid[i]) + grid[i + 1]));
      for (float m : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) {
        v.push_back(m);
        v.push_back(-m);
      }
    }
  }
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> e(-30.0f, 30.0f);
  for (int i = 0; i < 2000; ++i) v.push_back((i % 2 ? -1.0f : 1.0f) * std::exp2(e(rng)));
  for (int i = 0; i < 2000; ++i) v.push_back(fromBits(static_cast<uint32_t>(rng())));
  return v;
}

// Non-negative finite values of a format, ascending.
std::vector<float> positiveGrid(float (*decode)(uint8_t)) {
  std::vector<float> g;
  for (uint32_t c = 0; c < 0x80; ++c) {
    const float f = decode(static_cast<uint8_t>(c));
    if (std::isfinite(f)) g.push_back(f);
  }
  return g;
}

// Independent fp8 reference: the nearest finite value by exhaustive search,
// ties to the even code (even mantissa), saturating beyond the largest value.
uint8_t nearestFp8(float x, float (*decode)(uint8_t), uint8_t nan, uint8_t maxCode) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0;
  if (std::isnan(x)) return sign | nan;
  if (std::fabs(x) >= decode(maxCode)) return sign | maxCode;  // saturate=1 (inf too)
  const double a = std::fabs(static_cast<double>(x));
  uint8_t best = 0;
  double bestErr = INFINITY;
  for (uint32_t c = 0; c < 0x80; ++c) {
    const float f = decode(static_cast<uint8_t>(c));
    if (!std::isfinite(f)) continue;
    const double err = std::fabs(a - f);
    if (err < bestErr || (err == bestErr && (c & 1) == 0)) {
      best = static_cast<uint8_t>(c);
      bestErr = err;
    }
  }
  return sign | best;
}

TEST(FormatsSimd, Fp8EncodeEqualsReferenceAndBruteForce) {
  for (Fp8Kind kind : {Fp8Kind::E4M3, Fp8Kind::E5M2}) {
    auto decode = kind == Fp8Kind::E4M3 ? formats::fp8E4M3ToFloat : formats::fp8E5M2ToFloat;
    const std::vector<float> x = stressValues(positiveGrid(decode));
    std::vector<uint8_t> simd(x.size()), ref(x.size());
    f32_to_fp8(x.data(), x.size(), kind, 1.0f, simd.data());
    f32_to_fp8_ref(x.data(), x.size(), kind, 1.0f, ref.data());
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(simd[i], ref[i]) << "x=" << x[i] << " bits=" << std::hex << toBits(x[i]);
      const uint8_t want = kind == Fp8Kind::E4M3 ? nearestFp8(x[i], decode, 0x7F, 0x7E) : nearestFp8(x[i], decode, 0x7E, 0x7B);
      if (std::isnan(x[i])) ASSERT_TRUE(std::isnan(decode(ref[i])));
      else ASSERT_EQ(ref[i], want) << "x=" << x[i];
    }
  }
}

TEST(FormatsSimd, Fp8DecodeEveryCode) {
  for (Fp8Kind kind : {Fp8Kind::E4M3, Fp8Kind::E5M2}) {
    std::vector<uint8_t> codes(256);
    for (int i = 0; i < 256; ++i) codes[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
    std::vector<float> a(256), b(256);
    fp8_to_f32(codes.data(), 256, kind, a.data());
    fp8_to_f32_ref(codes.data(), 256, kind, b.data());
    EXPECT_EQ(bitsOf(a), bitsOf(b));
    // e4m3: S.1111.111 is NaN, no inf; e5m2: exponent 31 is inf/NaN.
    if (kind == Fp8Kind::E4M3) {
      EXPECT_EQ(b[0x7E], 448.0f);
      EXPECT_TRUE(std::isnan(b[0x7F]));
    } else {
      EXPECT_EQ(b[0x7B], 57344.0f);
      EXPECT_EQ(b[0x7C], INFINITY);
      EXPECT_EQ(b[0xFC], -INFINITY);
      EXPECT_TRUE(std::isnan(b[0x7D]) && std::isnan(b[0x7E]) && std::isnan(b[0x7F]));
    }
    EXPECT_EQ(b[0x01], kind == Fp8Kind::E4M3 ? std::ldexp(1.0f, -9) : std::ldexp(1.0f, -16));  // smallest subnormal
    EXPECT_TRUE(std::signbit(b[0x80]));  // -0
  }
}

TEST(FormatsSimd, HalfEncodeAndDecodeEqualReferences) {
  std::vector<float> grid;
  for (uint32_t h = 0; h < 0x7C00; ++h) grid.push_back(formats::halfToFloat(static_cast<uint16_t>(h)));
  const std::vector<float> x = stressValues(grid);
  for (size_t n : {x.size(), size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{17}}) {
    std::vector<uint8_t> a(2 * n), b(2 * n);
    f32_to_f16(x.data(), n, 1.0f, a.data());
    f32_to_f16_ref(x.data(), n, 1.0f, b.data());
    ASSERT_EQ(a, b) << n;
  }
  std::vector<uint8_t> all(2 * 65536);
  for (uint32_t h = 0; h < 65536; ++h) {
    all[2 * h] = static_cast<uint8_t>(h);
    all[2 * h + 1] = static_cast<uint8_t>(h >> 8);
  }
  std::vector<float> a(65536), b(65536);
  f16_to_f32(all.data(), 65536, a.data());
  f16_to_f32_ref(all.data(), 65536, b.data());
  EXPECT_EQ(bitsOf(a), bitsOf(b));
}

TEST(FormatsSimd, HalfMatchesNumpyFixture) {
  std::ifstream f(std::string(QWASM_TEST_DATA_DIR) + "/torch/fp16.json");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const io::json::Value v = io::json::parse(ss.str());
  const auto& in = v.find("bits32")->array;
  const auto& want = v.find("fp16")->array;
  ASSERT_EQ(in.size(), want.size());
  std::vector<float> x;
  for (const auto& e : in) x.push_back(fromBits(static_cast<uint32_t>(e.number)));
  std::vector<uint8_t> simd(2 * x.size()), ref(2 * x.size());
  f32_to_f16(x.data(), x.size(), 1.0f, simd.data());
  f32_to_f16_ref(x.data(), x.size(), 1.0f, ref.data());
  for (size_t i = 0; i < x.size(); ++i) {
    const uint32_t h = simd[2 * i] | (simd[2 * i + 1] << 8);
    EXPECT_EQ(h, static_cast<uint32_t>(want[i].number)) << "x=" << x[i];
    EXPECT_EQ(ref[2 * i] | (ref[2 * i + 1] << 8), h);
  }
}

TEST(FormatsSimd, BFloat16EncodeDecodeAndScaledDivision) {
  std::vector<float> grid;
  for (uint32_t e = 0; e < 0x7F80; e += 37) grid.push_back(formats::bfloat16ToFloat(static_cast<uint16_t>(e)));
  const std::vector<float> x = stressValues(grid);
  std::vector<uint8_t> a(2 * x.size()), b(2 * x.size());
  f32_to_bf16(x.data(), x.size(), 1.0f, a.data());
  f32_to_bf16_ref(x.data(), x.size(), 1.0f, b.data());
  ASSERT_EQ(a, b);
  std::vector<float> da(x.size()), db(x.size());
  bf16_to_f32(a.data(), x.size(), da.data());
  bf16_to_f32_ref(a.data(), x.size(), db.data());
  EXPECT_EQ(bitsOf(da), bitsOf(db));
  // Scaled formats divide first, in float32, in both paths.
  std::vector<float> finite;
  for (float f : x) if (std::isfinite(f)) finite.push_back(f);
  for (float divisor : {3.0f, 0.0078125f, 1e-3f}) {
    std::vector<uint8_t> h1(2 * finite.size()), h2(2 * finite.size()), e1(finite.size()), e2(finite.size());
    f32_to_f16(finite.data(), finite.size(), divisor, h1.data());
    f32_to_f16_ref(finite.data(), finite.size(), divisor, h2.data());
    EXPECT_EQ(h1, h2);
    f32_to_fp8(finite.data(), finite.size(), Fp8Kind::E4M3, divisor, e1.data());
    f32_to_fp8_ref(finite.data(), finite.size(), Fp8Kind::E4M3, divisor, e2.data());
    EXPECT_EQ(e1, e2);
    for (size_t i = 0; i < finite.size(); i += 97) EXPECT_EQ(e2[i], formats::floatToFp8E4M3(finite[i] / divisor));
  }
}

TEST(FormatsSimd, ScaleKernel) {
  for (size_t n = 0; n < 40; ++n) {
    std::vector<float> x(n), want(n);
    for (size_t i = 0; i < n; ++i) want[i] = (x[i] = static_cast<float>(i) * 0.37f - 3.0f) * 0.125f;
    scale_f32(x.data(), n, 0.125f);
    EXPECT_EQ(x, want);
  }
}

}  // namespace
}  // namespace qwasm::kernels
