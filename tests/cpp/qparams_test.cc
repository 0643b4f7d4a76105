#include "quant/qparams.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace qwasm {
namespace {

TEST(DType, ParsesEveryNameAndRejectsUnknown) {
  for (DType d : allDTypes()) EXPECT_EQ(parseDType(dtypeName(d)), d);
  try {
    parseDType("int9");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("int9"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fp8-e4m3"), std::string::npos);
  }
}

TEST(CodeRange, SymmetricRestrictedAndFull) {
  EXPECT_EQ(codeRange(DType::Int8, Scheme::Symmetric, true).qmin, -127);
  EXPECT_EQ(codeRange(DType::Int8, Scheme::Symmetric, true).qmax, 127);
  EXPECT_EQ(codeRange(DType::Int8, Scheme::Symmetric, false).qmin, -128);
  EXPECT_EQ(codeRange(DType::Int4, Scheme::Symmetric, true).qmin, -7);
  EXPECT_EQ(codeRange(DType::Int4, Scheme::Asymmetric, true).qmin, -8);
  EXPECT_EQ(codeRange(DType::UInt8, Scheme::Asymmetric, true).qmax, 255);
  EXPECT_EQ(codeRange(DType::Int2, Scheme::Symmetric, true).qmin, -1);
  EXPECT_EQ(codeRange(DType::Int1, Scheme::Symmetric, true).qmax, 1);
}

TEST(QParams, SymmetricInt8) {
  QParams p = symmetricQParams(2.54f, DType::Int8);
  EXPECT_FLOAT_EQ(p.scale, 2.54f / 127.0f);
  EXPECT_EQ(p.zeroPoint, 0);
  QParams full = symmetricQParams(2.55f, DType::Int8, false);
  EXPECT_FLOAT_EQ(full.scale, 2.55f / 127.5f);
}

TEST(QParams, AsymmetricUInt8MatchesPyTorchMinMaxObserver) {
  // torch.ao.quantization.MinMaxObserver(dtype=torch.quint8) on [-1, 3]:
  // scale = 4/255, zero_point = round(0 - (-1)/scale) = 64 (63.75 -> 64)
  QParams p = asymmetricQParams(-1.0f, 3.0f, DType::UInt8);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zeroPoint, 64);
  // A range that excludes 0 is widened to contain it.
  QParams q = asymmetricQParams(0.5f, 2.0f, DType::UInt8);
  EXPECT_FLOAT_EQ(q.scale, 2.0f / 255.0f);
  EXPECT_EQ(q.zeroPoint, 0);
}

TEST(QParams, ZeroWidthRangeNeverDividesByZero) {
  QParams a = asymmetricQParams(0.0f, 0.0f, DType::UInt8);
  EXPECT_EQ(a.scale, 1.0f);
  EXPECT_EQ(a.zeroPoint, 0);
  QParams s = symmetricQParams(0.0f, DType::Int8);
  EXPECT_EQ(s.scale, 1.0f);
  EXPECT_EQ(s.zeroPoint, 0);
  QParams si = asymmetricQParams(0.0f, 0.0f, DType::Int8);
  EXPECT_EQ(si.zeroPoint, -128);
  EXPECT_EQ(quantizeValue(0.0f, si, codeRange(DType::Int8, Scheme::Asymmetric, false)), -128);
}

TEST(QuantizeValue, RoundsHalfToEvenAndClamps) {
  QParams p{1.0f, 0};
  CodeRange r = codeRange(DType::Int8, Scheme::Symmetric, true);
  EXPECT_EQ(quantizeValue(0.5f, p, r), 0);
  EXPECT_EQ(quantizeValue(1.5f, p, r), 2);
  EXPECT_EQ(quantizeValue(2.5f, p, r), 2);
  EXPECT_EQ(quantizeValue(-2.5f, p, r), -2);
  EXPECT_EQ(quantizeValue(1000.0f, p, r), 127);
  EXPECT_EQ(quantizeValue(-1000.0f, p, r), -127);
  EXPECT_FLOAT_EQ(dequantizeValue(-3, QParams{0.5f, 2}), -2.5f);
}

}  // namespace
}  // namespace qwasm
