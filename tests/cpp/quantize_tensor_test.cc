// The tensor quantizer against SPEC §1: rounding, ranges, zero-width slices,
// every dtype's extremes, packing byte by byte, channel axes, short last
// groups, PyTorch's observers (fixtures), errors, and the SIMD path equal to
// the scalar path for whole tensors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "calib/range_method.h"
#include "common/error.h"
#include "formats/nf4.h"
#include "io/json/json.h"
#include "kernels/quantize/quantize_codes.h"
#include "quant/tensor_quantizer.h"

namespace qwasm {
namespace {

QuantizeOptions opts(DType d, Granularity g = Granularity::Tensor, int64_t axis = 0, int64_t groupSize = 32) {
  QuantizeOptions o;
  o.dtype = d;
  o.scheme = defaultScheme(d);
  o.granularity = g;
  o.axis = axis;
  o.groupSize = groupSize;
  return o;
}

QuantizedTensor quant(const std::vector<float>& x, const std::vector<int64_t>& shape, const QuantizeOptions& o) {
  return quantizeTensor(x.data(), x.size(), shape, o);
}

std::vector<float> dequant(const QuantizedTensor& q) {
  std::vector<float> out(static_cast<size_t>(q.size()));
  dequantizeTensor(q, out.data());
  return out;
}

std::vector<uint32_t> bitsOf(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  if (!v.empty()) std::memcpy(b.data(), v.data(), v.size() * 4);
  return b;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    return e.what();
  }
  return "(no error)";
}

TEST(QuantizeTensor, RoundsHalfToEven) {
  // amax 127 -> s = 1 for int8 symmetric.
  auto q = quant({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.0f}, {8}, opts(DType::Int8));
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(tensorCodes(q), (std::vector<int32_t>{0, 2, 2, 0, -2, -2, 126, 127}));
  // uint8 asymmetric [0, 255] -> s = 1, z = 0; ties in the zero-point too:
  // [-1.5, 253.5] -> s = 1, z = round(1.5) = 2.
  auto u = quant({-1.5f, 0.5f, 3.5f, 253.5f}, {4}, opts(DType::UInt8));
  EXPECT_EQ(u.scales[0], 1.0f);
  EXPECT_EQ(u.zeroPoints[0], 2);
  EXPECT_EQ(tensorCodes(u), (std::vector<int32_t>{0, 2, 6, 255}));
}

TEST(QuantizeTensor, RestrictedVersusFullRange) {
  const std::vector<float> x = {-2.55f, -1.0f, 0.3f, 2.55f};
  for (DType d : {DType::Int2, DType::Int3, DType::Int4, DType::Int8}) {
    const int32_t qmax = (1 << (dtypeBits(d) - 1)) - 1;
    auto r = quant(x, {4}, opts(d));
    EXPECT_EQ(r.scales[0], 2.55f / static_cast<float>(qmax)) << dtypeName(d);
    auto rc = tensorCodes(r);
    EXPECT_EQ(rc.front(), -qmax);
    EXPECT_EQ(rc.back(), qmax);
    auto o = opts(d);
    o.restrictRange = false;
    auto f = quant(x, {4}, o);
    EXPECT_EQ(f.scales[0], 2.55f / (static_cast<float>(2 * qmax + 1) / 2.0f)) << dtypeName(d);
    auto fc = tensorCodes(f);
    EXPECT_EQ(fc.front(), -qmax - 1);  // -amax lands on the extra code
    EXPECT_EQ(fc.back(), qmax);        // +amax rounds to qmax + 0.5 -> clamped
  }
  // Unsigned symmetric: centred on 2^(b-1), restricted drops code 0.
  auto o = opts(DType::UInt8);
  o.scheme = Scheme::Symmetric;
  auto u = quant(x, {4}, o);
  EXPECT_EQ(u.zeroPoints[0], 128);
  EXPECT_EQ(tensorCodes(u).front(), 1);
  EXPECT_EQ(tensorCodes(u).back(), 255);
}

TEST(QuantizeTensor, ZeroWidthRangesGiveScaleOneAndTheCodeOfZero) {
  for (DType d : allDTypes()) {
    if (!isIntegerDType(d)) continue;
    for (Scheme s : {Scheme::Symmetric, Scheme::Asymmetric}) {
      auto o = opts(d);
      o.scheme = s;
      auto q = quant(std::vector<float>(9, 0.0f), {9}, o);
      EXPECT_EQ(q.scales[0], 1.0f) << dtypeName(d);
      const std::vector<float> back = dequant(q);
      if (d == DType::Int1) {
        EXPECT_EQ(back[0], 1.0f);  // binary has no 0: ±scale
        continue;
      }
      for (float v : back) EXPECT_EQ(v, 0.0f) << dtypeName(d) << " " << schemeName(s);
    }
  }
  // One all-zero channel among others; an empty tensor.
  auto c = quant({0, 0, 0, 1, -2, 3}, {2, 3}, opts(DType::UInt4, Granularity::Channel));
  EXPECT_EQ(c.scales[0], 1.0f);
  EXPECT_EQ(dequant(c)[1], 0.0f);
  auto e = quant({}, {0, 5}, opts(DType::Int8, Granularity::Channel));
  EXPECT_TRUE(e.data.empty());
  EXPECT_TRUE(e.scales.empty());
}

TEST(QuantizeTensor, EveryIntegerDTypeSpansItsCodeRangeAndClamps) {
  std::vector<float> x(101);
  for (int i = 0; i <= 100; ++i) x[static_cast<size_t>(i)] = -3.0f + 0.06f * static_cast<float>(i);
  for (DType d : allDTypes()) {
    if (!isIntegerDType(d) || d == DType::Int1) continue;
    for (Scheme s : {Scheme::Symmetric, Scheme::Asymmetric}) {
      auto o = opts(d);
      o.scheme = s;
      auto q = quant(x, {101}, o);
      const CodeRange r = codeRange(d, s, true);
      auto codes = tensorCodes(q);
      EXPECT_EQ(*std::min_element(codes.begin(), codes.end()), r.qmin) << dtypeName(d) << schemeName(s);
      EXPECT_EQ(*std::max_element(codes.begin(), codes.end()), r.qmax) << dtypeName(d) << schemeName(s);
      // Quantizing values far outside the calibrated range clamps (no wrap).
      const QParams p{q.scales[0], q.zeroPoints[0]};
      EXPECT_EQ(quantizeValue(1e30f, p, r), r.qmax);
      EXPECT_EQ(quantizeValue(-1e30f, p, r), r.qmin);
      // Error bound: half a step inside the range.
      const std::vector<float> back = dequant(q);
      for (size_t i = 0; i < x.size(); ++i) EXPECT_LE(std::fabs(back[i] - x[i]), 0.5f * q.scales[0] * 1.0001f) << dtypeName(d);
    }
  }
}

TEST(QuantizeTensor, NonFiniteInputIsAnErrorForIntegersNamingTheIndex) {
  std::vector<float> x = {1, 2, 3, NAN, INFINITY};
  EXPECT_NE(errorOf([&] { quant(x, {5}, opts(DType::Int8)); }).find("NaN at index 3"), std::string::npos);
  x[3] = 0;
  EXPECT_NE(errorOf([&] { quant(x, {5}, opts(DType::UInt4, Granularity::Channel)); }).find("Inf at index 4"), std::string::npos);
  x[4] = -INFINITY;
  EXPECT_NE(errorOf([&] { quant(x, {5}, opts(DType::Int1)); }).find("Inf at index 4"), std::string::npos);
  // nf4's code book has no NaN/Inf either.
  EXPECT_NE(errorOf([&] { quant(x, {5}, opts(DType::NF4)); }).find("Inf at index 4"), std::string::npos);
  // Float formats accept them.
  for (DType d : {DType::FP16, DType::BF16, DType::FP8E4M3, DType::FP8E5M2}) {
    x[3] = NAN;
    auto q = quant(x, {5}, opts(d));
    auto back = dequant(q);
    EXPECT_TRUE(std::isnan(back[3])) << dtypeName(d);
    if (d == DType::FP16 || d == DType::BF16 || d == DType::FP8E5M2) {
      EXPECT_EQ(back[4], d == DType::FP8E5M2 ? -57344.0f : -INFINITY) << dtypeName(d);
    } else {
      EXPECT_EQ(back[4], -448.0f);
    }
  }
}

TEST(QuantizeTensor, FloatFormatExtremes) {
  const std::vector<float> x = {65504.0f, 65520.0f, -1e9f, 5.960464477539063e-08f, 2.9802322387695312e-08f, -0.0f, 1e-45f};
  auto h = tensorCodes(quant(x, {7}, opts(DType::FP16)));
  EXPECT_EQ(h, (std::vector<int32_t>{0x7BFF, 0x7C00, 0xFC00, 0x0001, 0x0000, 0x8000, 0x0000}));
  auto b = tensorCodes(quant({3.4e38f, -0.0f, 1e-40f, std::ldexp(1.0f, -134), std::ldexp(3.0f, -134)}, {5}, opts(DType::BF16)));
  EXPECT_EQ(b[0], 0x7F80);  // 0x7F7FC99E rounds up past the largest bf16 to inf
  EXPECT_EQ(b[1], 0x8000);
  EXPECT_EQ(b[2], 0x0001);  // subnormals kept (1e-40 is 0x000116C2 -> 0x0001)
  EXPECT_EQ(b[3], 0x0000);  // 2^-134 = 0x00008000: a tie, to even 0
  EXPECT_EQ(b[4], 0x0002);  // 3 * 2^-134 = 0x00018000: a tie, to even 2
  auto e4 = tensorCodes(quant({448, 464, 465, -1e6f, std::ldexp(1.0f, -9), std::ldexp(1.0f, -10), std::ldexp(1.5f, -10), -0.0f}, {8}, opts(DType::FP8E4M3)));
  EXPECT_EQ(e4, (std::vector<int32_t>{0x7E, 0x7E, 0x7E, 0xFE, 0x01, 0x00, 0x01, 0x80}));
  auto e5 = tensorCodes(quant({57344, 61440, INFINITY, std::ldexp(1.0f, -16), std::ldexp(1.0f, -17), -0.0f}, {6}, opts(DType::FP8E5M2)));
  EXPECT_EQ(e5, (std::vector<int32_t>{0x7B, 0x7B, 0x7B, 0x01, 0x00, 0x80}));
}

TEST(QuantizeTensor, ScaledFloatFormats) {
  std::vector<float> x = {0.5f, -2.0f, 1.0f, NAN, 0.25f, 0.0f, -0.75f, 1.5f};
  auto o = opts(DType::FP8E4M3, Granularity::Group, 0, 4);
  o.scaled = true;
  auto q = quant(x, {2, 4}, o);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_EQ(q.scales[0], 2.0f / 448.0f);  // NaN ignored for amax
  EXPECT_EQ(q.scales[1], 1.5f / 448.0f);
  auto back = dequant(q);
  EXPECT_EQ(back[1], -2.0f);
  EXPECT_TRUE(std::isnan(back[3]));
  o.dtype = DType::FP8E5M2;
  EXPECT_EQ(quant(x, {2, 4}, o).scales[0], 2.0f / 57344.0f);
}

TEST(QuantizeTensor, Int1IsBinaryWithMeanAbsScale) {
  auto q = quant({2, -4, 6, -0.5f, 0, 0, 1, -1}, {2, 4}, opts(DType::Int1, Granularity::Channel));
  EXPECT_EQ(tensorCodes(q), (std::vector<int32_t>{1, 0, 1, 0, 1, 1, 1, 0}));
  EXPECT_EQ(q.scales[0], 3.125f);
  EXPECT_EQ(q.scales[1], 0.5f);
  EXPECT_EQ(q.data, (std::vector<uint8_t>{0b01110101}));
  EXPECT_EQ(dequant(q), (std::vector<float>{3.125f, -3.125f, 3.125f, -3.125f, 0.5f, 0.5f, 0.5f, -0.5f}));
}

TEST(QuantizeTensor, Nf4UsesTheQLoRALevelsPerBlockAbsmax) {
  std::vector<float> x(130);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * (i < 64 ? 1.0f : 10.0f);
  auto q = quant(x, {130}, opts(DType::NF4, Granularity::Tensor, 0, 64));  // nf4 is blockwise even when asked per tensor
  EXPECT_EQ(q.granularity, Granularity::Group);
  ASSERT_EQ(q.scales.size(), 3u);  // 64 + 64 + a short block of 2
  float amax0 = 0;
  for (size_t i = 0; i < 64; ++i) amax0 = std::max(amax0, std::fabs(x[i]));
  EXPECT_EQ(q.scales[0], amax0);
  auto codes = tensorCodes(q);
  auto back = dequant(q);
  for (size_t i = 0; i < x.size(); ++i) {
    const float s = q.scales[i / 64];
    EXPECT_EQ(back[i], formats::kNf4Levels[codes[i]] * s);
    // the nearest level
    for (int l = 0; l < 16; ++l) EXPECT_LE(std::fabs(x[i] / s - formats::kNf4Levels[codes[i]]), std::fabs(x[i] / s - formats::kNf4Levels[l]) + 1e-6f);
  }
  EXPECT_EQ(q.data.size(), 65u);
}

TEST(QuantizeTensor, PackingLayoutByteByByte) {
  // int4 with s = 1: codes 1, -1, 7, -7, 0 -> nibbles 1, F, 7, 9, 0
  auto i4 = quant({1, -1, 7, -7, 0}, {5}, opts(DType::Int4));
  EXPECT_EQ(i4.data, (std::vector<uint8_t>{0xF1, 0x97, 0x00}));
  // uint2 asymmetric [0, 3]: s = 1, z = 0
  auto u2 = quant({0, 1, 2, 3, 3}, {5}, opts(DType::UInt2));
  EXPECT_EQ(u2.data, (std::vector<uint8_t>{0b11100100, 0b00000011}));
  // int3 restricted [-3, 3]: 3 bits each, crossing byte boundaries
  auto i3 = quant({3, -3, 1, -1, 0, 2, -2, 3}, {8}, opts(DType::Int3));
  // sum of (code & 7) << 3i = 3 + 5<<3 + 1<<6 + 7<<9 + 0<<12 + 2<<15 + 6<<18 + 3<<21 = 0x790E6B
  EXPECT_EQ(i3.data, (std::vector<uint8_t>{0x6B, 0x0E, 0x79}));
  // uint8: one byte each; fp16: little-endian 2 bytes (1.0 = 0x3C00)
  EXPECT_EQ(quant({0, 255}, {2}, opts(DType::UInt8)).data, (std::vector<uint8_t>{0, 255}));
  EXPECT_EQ(quant({1.0f, -2.0f}, {2}, opts(DType::FP16)).data, (std::vector<uint8_t>{0x00, 0x3C, 0x00, 0xC0}));
  EXPECT_EQ(quant({1.0f}, {1}, opts(DType::BF16)).data, (std::vector<uint8_t>{0x80, 0x3F}));
  // Every width: codes -> bytes against an independent bit-string construction.
  for (DType d : allDTypes()) {
    if (!isIntegerDType(d) || d == DType::Int1) continue;
    const int bits = dtypeBits(d);
    const CodeRange r = codeRange(d, defaultScheme(d), true);
    std::vector<float> x;
    for (int i = 0; i < 37; ++i) x.push_back(static_cast<float>(r.qmin + (i * 7) % (r.qmax - r.qmin + 1)));
    auto o = opts(d);
    if (!isSignedDType(d)) x.push_back(0.0f);  // asymmetric: contains 0 -> s = 1, z = 0 when qmin = 0
    auto q = quant(x, {static_cast<int64_t>(x.size())}, o);
    auto codes = tensorCodes(q);
    std::vector<uint8_t> want((x.size() * static_cast<size_t>(bits) + 7) / 8, 0);
    for (size_t i = 0; i < x.size(); ++i)
      for (int k = 0; k < bits; ++k)
        if ((static_cast<uint32_t>(codes[i]) >> k) & 1) want[(i * bits + k) / 8] |= static_cast<uint8_t>(1 << ((i * bits + k) % 8));
    EXPECT_EQ(q.data, want) << dtypeName(d);
  }
}

TEST(QuantizeTensor, ChannelAxesFirstMiddleAndLast) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  const std::vector<int64_t> shape = {3, 4, 5};
  std::vector<float> x(60);
  for (auto& v : x) v = nd(rng);
  for (int64_t axis : {0, 1, 2, -1}) {
    for (DType d : {DType::Int8, DType::UInt8, DType::Int4}) {
      auto q = quant(x, shape, opts(d, Granularity::Channel, axis));
      const int64_t ax = axis < 0 ? axis + 3 : axis;
      ASSERT_EQ(q.scaleShape, std::vector<int64_t>{shape[static_cast<size_t>(ax)]});
      ASSERT_EQ(q.axis, ax);
      const int64_t inner = ax == 0 ? 20 : ax == 1 ? 5 : 1;
      auto codes = tensorCodes(q);
      for (int64_t c = 0; c < shape[static_cast<size_t>(ax)]; ++c) {
        float lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < 60; ++i)
          if ((i / inner) % shape[static_cast<size_t>(ax)] == c) lo = std::min(lo, x[static_cast<size_t>(i)]), hi = std::max(hi, x[static_cast<size_t>(i)]);
        const QParams want = qparamsFromRange(lo, hi, d, defaultScheme(d), true);
        EXPECT_EQ(q.scales[static_cast<size_t>(c)], want.scale);
        EXPECT_EQ(q.zeroPoints[static_cast<size_t>(c)], want.zeroPoint);
        for (int64_t i = 0; i < 60; ++i) {
          if ((i / inner) % shape[static_cast<size_t>(ax)] != c) continue;
          EXPECT_EQ(codes[static_cast<size_t>(i)], quantizeValue(x[static_cast<size_t>(i)], want, codeRange(d, defaultScheme(d), true)));
        }
      }
    }
  }
}

TEST(QuantizeTensor, GroupsAlongTheLastAxisWithAShortLastGroup) {
  std::vector<float> x(30);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i * 7 % 13) - 6) * (1.0f + static_cast<float>(i % 4));
  auto q = quant(x, {3, 10}, opts(DType::Int4, Granularity::Group, 0, 4));
  EXPECT_EQ(q.scaleShape, (std::vector<int64_t>{3, 3}));  // ceil(10/4) = 3
  ASSERT_EQ(q.scales.size(), 9u);
  for (int row = 0; row < 3; ++row)
    for (int g = 0; g < 3; ++g) {
      float amax = 0;
      for (int k = g * 4; k < std::min(10, g * 4 + 4); ++k) amax = std::max(amax, std::fabs(x[static_cast<size_t>(row * 10 + k)]));
      EXPECT_EQ(q.scales[static_cast<size_t>(row * 3 + g)], amax / 7.0f) << row << "," << g;
    }
  // group size larger than the row: one group per row
  auto big = quant(x, {3, 10}, opts(DType::Int4, Granularity::Group, 0, 64));
  EXPECT_EQ(big.scaleShape, (std::vector<int64_t>{3, 1}));
}

TEST(QuantizeTensor, RangeMethodsSeeEachSliceGathered) {
  std::mt19937 rng(6);
  std::normal_distribution<float> nd;
  std::vector<float> x(8 * 50);
  for (auto& v : x) v = nd(rng);
  x[3] = 40.0f;  // an outlier in channel 3 (axis 1)
  auto o = opts(DType::Int8, Granularity::Channel, 1);
  o.range.method = calib::RangeMethod::Percentile;
  o.range.percentile = 99.0;
  auto q = quant(x, {50, 8}, o);
  for (int c = 0; c < 8; ++c) {
    std::vector<float> slice;
    for (int r = 0; r < 50; ++r) slice.push_back(x[static_cast<size_t>(r * 8 + c)]);
    calib::RangeOptions ro = o.range;
    ro.dtype = o.dtype;
    const calib::Range r = calib::sliceRange(slice.data(), slice.size(), ro);
    EXPECT_EQ(q.scales[static_cast<size_t>(c)], qparamsFromRange(r.lo, r.hi, DType::Int8, Scheme::Symmetric).scale) << c;
  }
  EXPECT_LT(q.scales[3], 40.0f / 127.0f);  // clipped
}

TEST(QuantizeTensor, BadArgumentsNameTheArgumentAndLeaveNothingBroken) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  EXPECT_NE(errorOf([&] { quantizeTensor(x.data(), 5, {2, 3}, opts(DType::Int8)); }).find("shape"), std::string::npos);
  EXPECT_NE(errorOf([&] { quant(x, {2, 3}, opts(DType::Int8, Granularity::Channel, 2)); }).find("axis 2 is out of range"), std::string::npos);
  EXPECT_NE(errorOf([&] { quant(x, {2, 3}, opts(DType::Int8, Granularity::Channel, -3)); }).find("axis -3"), std::string::npos);
  EXPECT_NE(errorOf([&] { quant(x, {2, 3}, opts(DType::Int4, Granularity::Group, 0, 0)); }).find("groupSize"), std::string::npos);
  EXPECT_NE(errorOf([&] { quant(x, {2, -3}, opts(DType::Int4)); }).find("shape[1]"), std::string::npos);
  EXPECT_NE(errorOf([&] { quant(x, {6}, opts(DType::FP32)); }).find("dtype"), std::string::npos);
  EXPECT_NE(errorOf([] { parseGranularity("row"); }).find("granularity"), std::string::npos);
  EXPECT_EQ(tensorCodes(quant(x, {2, 3}, opts(DType::Int8)))[5], 127);
}

TEST(QuantizeTensor, MemoryAccounting) {
  std::vector<float> x(256);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<float>(i));
  auto i8 = quant(x, {4, 64}, opts(DType::Int8, Granularity::Channel));
  EXPECT_EQ(i8.byteLength(), 256 + 4 * 4);  // codes + scales; zero-points all 0 are not stored
  EXPECT_DOUBLE_EQ(i8.bitsPerElement(), 8.0 * 272 / 256);
  auto u4 = quant(x, {4, 64}, opts(DType::UInt4, Granularity::Group, 0, 32));
  EXPECT_EQ(u4.byteLength(), 128 + 8 * 4 + 8 * 4);  // + zero-points
  auto h = quant(x, {4, 64}, opts(DType::FP16));
  EXPECT_EQ(h.byteLength(), 512);  // unscaled floats store no scale
  auto nf = quant(x, {4, 64}, opts(DType::NF4, Granularity::Group, 0, 64));
  EXPECT_EQ(nf.byteLength(), 128 + 4 * 4);
  EXPECT_DOUBLE_EQ(nf.bitsPerElement(), 4.5);
}

TEST(QuantizeTensor, PyTorchMinMaxObserverFixtures) {
  std::ifstream f(std::string(QWASM_TEST_DATA_DIR) + "/torch/observers.json");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const io::json::Value v = io::json::parse(ss.str());
  auto floats = [](const io::json::Value& a) {
    std::vector<float> out;
    for (const auto& e : a.array) out.push_back(static_cast<float>(e.number));
    return out;
  };
  int cases = 0;
  for (const char* kind : {"perTensor", "perChannel"}) {
    for (const auto& c : v.find(kind)->array) {
      const bool u8 = c.find("dtype")->str == "uint8";
      const std::vector<float> x = floats(*c.find("x"));
      std::vector<int64_t> shape;
      for (const auto& d : c.find("shape")->array) shape.push_back(static_cast<int64_t>(d.number));
      QuantizeOptions o = opts(u8 ? DType::UInt8 : DType::Int8);
      o.scheme = u8 ? Scheme::Asymmetric : Scheme::Symmetric;
      o.restrictRange = false;  // PyTorch's qint8 symmetric uses the full range
      if (c.find("axis")) {
        o.granularity = Granularity::Channel;
        o.axis = static_cast<int64_t>(c.find("axis")->number);
      }
      auto q = quant(x, shape, o);
      const std::vector<float> scales = c.find("scales") ? floats(*c.find("scales")) : std::vector<float>{static_cast<float>(c.find("scale")->number)};
      EXPECT_EQ(q.scales, scales);
      if (u8) {
        std::vector<int32_t> zps;
        if (c.find("zeroPoints")) for (const auto& z : c.find("zeroPoints")->array) zps.push_back(static_cast<int32_t>(z.number));
        else zps.push_back(static_cast<int32_t>(c.find("zeroPoint")->number));
        EXPECT_EQ(q.zeroPoints, zps);
      }
      std::vector<int32_t> codes;
      for (const auto& e : c.find("codes")->array) codes.push_back(static_cast<int32_t>(e.number));
      EXPECT_EQ(tensorCodes(q), codes);
      ++cases;
    }
  }
  EXPECT_GE(cases, 16);
}

// The whole pipeline on the SIMD kernels (wasm build) equals the scalar
// references: packed bytes, dequantized floats, fake-quantized floats.
TEST(QuantizeTensor, SimdPathEqualsScalarPathOnSizes0To300) {
  std::mt19937 rng(8);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  std::uniform_int_distribution<int> pick(0, 3);
  for (int64_t n = 0; n <= 300; ++n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = nd(rng);
    const int64_t cols = n % 7 == 0 ? n : (n % 5 == 0 ? 5 : 1);
    const std::vector<int64_t> shape = {cols ? n / cols : 0, cols};
    for (DType d : allDTypes()) {
      if (d == DType::FP32) continue;
      const Granularity g = static_cast<Granularity>(pick(rng) % 3);
      QuantizeOptions o = opts(d, g, pick(rng) % 2, 1 + pick(rng) * 11);
      o.scaled = pick(rng) == 0;
      kernels::set_simd_kernels(false);
      const QuantizedTensor a = quant(x, shape, o);
      const std::vector<float> da = dequant(a);
      std::vector<float> fa(x.size());
      fakeQuantizeTensor(x.data(), x.size(), shape, o, fa.data());
      kernels::set_simd_kernels(true);
      const QuantizedTensor b = quant(x, shape, o);
      const std::vector<float> db = dequant(b);
      std::vector<float> fb(x.size());
      fakeQuantizeTensor(x.data(), x.size(), shape, o, fb.data());
      ASSERT_EQ(a.data, b.data) << dtypeName(d) << " n=" << n;
      ASSERT_EQ(a.scales, b.scales);
      ASSERT_EQ(bitsOf(da), bitsOf(db)) << dtypeName(d) << " n=" << n;
      ASSERT_EQ(bitsOf(fa), bitsOf(fb)) << dtypeName(d) << " n=" << n;
      ASSERT_EQ(bitsOf(fb), bitsOf(db)) << "fake-quantize == dequantize(quantize): " << dtypeName(d) << " n=" << n;
    }
  }
  kernels::set_simd_kernels(true);
}

}  // namespace
}  // namespace qwasm
