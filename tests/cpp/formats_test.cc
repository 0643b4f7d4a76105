#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "formats/minifloat.h"
#include "formats/nf4.h"
#include "quant/tensor_quantizer.h"

namespace qwasm {
namespace {

float bitsToFloat(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

TEST(Minifloat, HalfRoundTripsEveryFp16Value) {
  // Every finite fp16 decodes and re-encodes to itself.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00) continue;
    const float f = formats::halfToFloat(static_cast<uint16_t>(h));
    EXPECT_EQ(formats::floatToHalf(f), h) << h;
  }
  EXPECT_EQ(formats::floatToHalf(65520.0f), 0x7C00);  // overflow -> inf
  EXPECT_EQ(formats::floatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(formats::floatToHalf(-0.0f), 0x8000);
  EXPECT_TRUE(std::isnan(formats::halfToFloat(formats::floatToHalf(NAN))));
}

TEST(Minifloat, HalfTiesGoToEven) {
  EXPECT_EQ(formats::floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);      // tie -> even (down)
  EXPECT_EQ(formats::floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // tie -> even (up)
  EXPECT_EQ(formats::floatToHalf(std::ldexp(1.0f, -25)), 0x0000);             // half of smallest subnormal -> 0
  EXPECT_EQ(formats::floatToHalf(std::ldexp(1.5f, -25)), 0x0001);
}

TEST(Minifloat, Fp8RoundTripsAndSaturates) {
  for (uint32_t v = 0; v < 256; ++v) {
    const float f = formats::fp8E4M3ToFloat(static_cast<uint8_t>(v));
    if (std::isnan(f)) {
      EXPECT_EQ(v & 0x7F, 0x7Fu);
      continue;
    }
    EXPECT_EQ(formats::floatToFp8E4M3(f), v) << v;
  }
  for (uint32_t v = 0; v < 256; ++v) {
    const float f = formats::fp8E5M2ToFloat(static_cast<uint8_t>(v));
    if (!std::isfinite(f)) continue;
    EXPECT_EQ(formats::floatToFp8E5M2(f), v) << v;
  }
  EXPECT_EQ(formats::floatToFp8E4M3(1e30f), 0x7E);
  EXPECT_EQ(formats::floatToFp8E4M3(-INFINITY), 0xFE);
  EXPECT_EQ(formats::floatToFp8E5M2(INFINITY), 0x7B);
  EXPECT_EQ(formats::fp8E4M3ToFloat(0x7E), 448.0f);
  EXPECT_EQ(formats::fp8E5M2ToFloat(0x7B), 57344.0f);
}

TEST(Minifloat, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(formats::floatToBFloat16(bitsToFloat(0x3F808000)), 0x3F80);
  EXPECT_EQ(formats::floatToBFloat16(bitsToFloat(0x3F818000)), 0x3F82);
  EXPECT_EQ(formats::floatToBFloat16(bitsToFloat(0x3F808001)), 0x3F81);
  EXPECT_TRUE(std::isnan(formats::bfloat16ToFloat(formats::floatToBFloat16(bitsToFloat(0x7F800001)))));
}

TEST(Nf4, NearestLevel) {
  for (int i = 0; i < 16; ++i) EXPECT_EQ(formats::nearestNf4(formats::kNf4Levels[i]), i);
  EXPECT_EQ(formats::nearestNf4(0.03f), 7);
  EXPECT_EQ(formats::nearestNf4(0.05f), 8);
}

TEST(TensorQuantizer, EveryIntegerWidthRoundTripsItsCodes) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  for (DType d : allDTypes()) {
    if (!isIntegerDType(d)) continue;
    for (int n : {1, 7, 15, 17, 63, 65}) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = nd(rng);
      QuantizeOptions o;
      o.dtype = d;
      o.scheme = defaultScheme(d);
      QuantizedTensor q = quantizeTensor(x.data(), x.size(), {n}, o);
      EXPECT_EQ(q.data.size(), static_cast<size_t>((n * dtypeBits(d) + 7) / 8));
      std::vector<float> back(x.size());
      dequantizeTensor(q, back.data());
      const CodeRange r = d == DType::Int1 ? CodeRange{0, 1} : codeRange(d, o.scheme, true);
      const std::vector<int32_t> codes = tensorCodes(q);
      for (int i = 0; i < n; ++i) {
        EXPECT_GE(codes[static_cast<size_t>(i)], r.qmin);
        EXPECT_LE(codes[static_cast<size_t>(i)], r.qmax);
        if (d != DType::Int1) {
          EXPECT_LE(std::fabs(back[static_cast<size_t>(i)] - x[static_cast<size_t>(i)]), q.scales[0] * 0.5f + 1e-6f) << dtypeName(d);
        }
      }
    }
  }
}

}  // namespace
}  // namespace qwasm
