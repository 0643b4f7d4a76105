// Quantized convolution kernels (im2col + packed GEMM, direct depthwise)
// against a naive direct convolution written here from the unpacked weights,
// and against qconv2d_ref — exactly, for every geometry the executor needs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "kernels/fconv/fconv.h"
#include "kernels/qconv/qconv.h"

namespace qwasm::kernels {
namespace {

struct Case {
  std::string name;
  QConvShape s;
  size_t batch = 1;
};

QConvShape shape(size_t C, size_t H, size_t W, size_t OC, size_t k, size_t stride = 1, size_t pad = 0, size_t dil = 1, size_t groups = 1) {
  QConvShape s;
  s.C = C; s.H = H; s.W = W; s.OC = OC; s.kh = s.kw = k;
  s.sh = s.sw = stride; s.dh = s.dw = dil;
  s.padTop = s.padLeft = s.padBottom = s.padRight = pad;
  s.groups = groups;
  return s;
}

std::vector<Case> geometries() {
  std::vector<Case> cs = {
      {"1x1", shape(16, 7, 9, 17, 1)},
      {"1x1 C=3 OC=65", shape(3, 5, 5, 65, 1)},
      {"1x1 strided", shape(8, 9, 9, 8, 1, 2)},
      {"3x3", shape(3, 8, 8, 16, 3)},
      {"3x3 padded", shape(17, 7, 7, 15, 3, 1, 1)},
      {"3x3 strided padded", shape(8, 15, 16, 24, 3, 2, 1)},
      {"3x3 stride 3", shape(4, 17, 17, 7, 3, 3, 1)},
      {"3x3 dilated 2 padded 2", shape(5, 11, 13, 9, 3, 1, 2, 2)},
      {"5x5 padded 2", shape(3, 9, 10, 8, 5, 1, 2)},
      {"7x7 stride 2 pad 3 (stem)", shape(3, 32, 32, 16, 7, 2, 3)},
      {"grouped 2", shape(8, 9, 9, 12, 3, 1, 1, 1, 2)},
      {"grouped 4 strided", shape(16, 10, 10, 8, 3, 2, 1, 1, 4)},
      {"depthwise 3x3", shape(16, 12, 12, 16, 3, 1, 1, 1, 16)},
      {"depthwise 3x3 stride 2", shape(17, 15, 15, 17, 3, 2, 1, 1, 17)},
      {"depthwise 3x3 stride 3", shape(8, 16, 16, 8, 3, 3, 1, 1, 8)},
      {"depthwise 3x3 dilated 2", shape(8, 13, 13, 8, 3, 1, 2, 2, 8)},
      {"depthwise 5x5 no pad", shape(4, 9, 21, 4, 5, 1, 0, 1, 4)},
      {"depthwise 1x1 W=1", shape(3, 7, 1, 3, 1, 1, 0, 1, 3)},
      {"depthwise multiplier 2", shape(8, 9, 9, 16, 3, 1, 1, 1, 8)},
      {"1x1 on 1x1 image", shape(64, 1, 1, 63, 1)},
      {"3x3 batch 2", shape(4, 6, 7, 5, 3, 1, 1), 2},
      {"3x3 padded wide (panels of one run)", shape(3, 5, 43, 9, 3, 1, 1)},
      {"3x3 stride 2 wide", shape(2, 6, 70, 5, 3, 2, 1)},
  };
  QConvShape asym = shape(6, 8, 11, 10, 3, 2, 0);
  asym.kw = 2; asym.sw = 1; asym.padTop = 2; asym.padLeft = 0; asym.padBottom = 1; asym.padRight = 3; asym.dw = 3;
  cs.push_back({"asymmetric kernel, strides, pads, dilations", asym});
  QConvShape dwAsym = asym;
  dwAsym.C = dwAsym.OC = dwAsym.groups = 6;
  cs.push_back({"depthwise asymmetric", dwAsym});
  QConvShape dwEven = shape(5, 9, 23, 5, 1, 1, 0, 1, 5);  // taps in pairs, even kw
  dwEven.kh = 2; dwEven.kw = 4; dwEven.sw = 2; dwEven.padLeft = 3; dwEven.padRight = 1; dwEven.padBottom = 1;
  cs.push_back({"depthwise 2x4 stride (1, 2)", dwEven});
  return cs;
}

// Naive direct convolution from the unpacked weights, with the documented stage.
std::vector<float> naiveConv(const Case& c, const std::vector<uint8_t>& x, const QActivation& xq, const std::vector<int8_t>& w,
                             const std::vector<float>& ws, const std::vector<int32_t>& bi, const std::vector<float>& bf, const QOutput& out) {
  const QConvShape& s = c.s;
  const size_t Cg = s.C / s.groups, OCg = s.OC / s.groups, OH = s.outH(), OW = s.outW();
  std::vector<float> y(c.batch * s.OC * OH * OW);
  auto act = [&](size_t i) { return xq.type == QType::U8 ? int32_t(x[i]) : int32_t(int8_t(x[i])); };
  for (size_t b = 0; b < c.batch; ++b)
    for (size_t oc = 0; oc < s.OC; ++oc)
      for (size_t oy = 0; oy < OH; ++oy)
        for (size_t ox = 0; ox < OW; ++ox) {
          int32_t acc = bi[oc];
          for (size_t ci = 0; ci < Cg; ++ci)
            for (size_t i = 0; i < s.kh; ++i)
              for (size_t j = 0; j < s.kw; ++j) {
                const long iy = long(oy * s.sh + i * s.dh) - long(s.padTop), ix = long(ox * s.sw + j * s.dw) - long(s.padLeft);
                if (iy < 0 || ix < 0 || iy >= long(s.H) || ix >= long(s.W)) continue;  // padding is a real zero
                const size_t ch = (oc / OCg) * Cg + ci;
                acc += (act(((b * s.C + ch) * s.H + iy) * s.W + ix) - xq.zeroPoint) * w[((oc * Cg + ci) * s.kh + i) * s.kw + j];
              }
          float v;
          if (out.kind == QOutput::Kind::F32) {
            v = std::min(out.maxValue, std::max(out.minValue, static_cast<float>(acc) * (xq.scale * ws[oc]) + bf[oc]));
          } else {
            const float lo = out.kind == QOutput::Kind::U8 ? 0.f : -128.f, hi = out.kind == QOutput::Kind::U8 ? 255.f : 127.f;
            v = std::clamp(std::nearbyintf(static_cast<float>(acc) * (xq.scale * ws[oc] / out.scale)) + out.zeroPoint,
                           std::isfinite(out.minValue) ? std::max(lo, float(out.zeroPoint)) : lo, hi);
          }
          y[((b * s.OC + oc) * OH + oy) * OW + ox] = v;
        }
  return y;
}

std::vector<float> asFloat(const std::vector<uint8_t>& y, QOutput::Kind kind) {
  const size_t n = kind == QOutput::Kind::F32 ? y.size() / 4 : y.size();
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = kind == QOutput::Kind::F32 ? reinterpret_cast<const float*>(y.data())[i]
         : kind == QOutput::Kind::S8  ? float(int8_t(y[i])) : float(y[i]);
  return v;
}

TEST(QConv, EveryGeometryMatchesNaiveDirectConvolutionExactly) {
  std::mt19937 rng(20);
  int variant = 0;
  for (const Case& c : geometries())
    for (QType xt : {QType::U8, QType::S8})
      for (QOutput::Kind kind : {QOutput::Kind::U8, QOutput::Kind::S8, QOutput::Kind::F32}) {
        ++variant;
        const QConvShape& s = c.s;
        const size_t K = s.reduction(), OH = s.outH(), OW = s.outW();
        std::uniform_int_distribution<int> byte(0, 255), w8(-128, 127), bias(-3000, 3000);
        std::vector<uint8_t> x(c.batch * s.C * s.H * s.W);
        for (auto& v : x) v = static_cast<uint8_t>(byte(rng));
        std::vector<int8_t> w(s.OC * K);
        for (auto& v : w) v = static_cast<int8_t>(w8(rng));
        std::vector<float> ws(s.OC), bf(s.OC);
        std::vector<int32_t> bi(s.OC);
        for (size_t o = 0; o < s.OC; ++o) { ws[o] = 0.002f * (1 + o % 5); bf[o] = 0.5f * (o % 3); bi[o] = bias(rng); }
        QActivation xq;
        xq.type = xt;
        xq.scale = 0.03f;
        xq.zeroPoint = xt == QType::U8 ? 113 + variant % 20 : -7 + variant % 9;
        QOutput out;
        out.kind = kind;
        out.scale = 0.02f * std::sqrt(float(K));
        out.zeroPoint = kind == QOutput::Kind::U8 ? 90 : kind == QOutput::Kind::S8 ? -3 : 0;
        if (variant % 2) out.minValue = 0.0f;  // fused ReLU
        const QPackedWeights p = packQConvWeights(w.data(), s, ws.data(), s.OC, bi.data(), bf.data());
        const size_t bytes = c.batch * s.OC * OH * OW * (kind == QOutput::Kind::F32 ? 4 : 1);
        std::vector<uint8_t> y(bytes, 0xCD), r(bytes, 0x11);
        qconv2d(x.data(), c.batch, xq, p, s, y.data(), out);
        qconv2d_ref(x.data(), c.batch, xq, p, s, r.data(), out);
        ASSERT_EQ(y, r) << c.name << " variant " << variant;
        const std::vector<float> expect = naiveConv(c, x, xq, w, ws, bi, bf, out), got = asFloat(y, kind);
        for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expect[i]) << c.name << " at " << i << " variant " << variant;
        if (s.depthwise()) {  // the direct kernel on its own, too
          std::fill(y.begin(), y.end(), 0);
          qdepthwise2d(x.data(), c.batch, xq, p, s, y.data(), out);
          ASSERT_EQ(y, r) << c.name;
        }
      }
}

TEST(FConv, EveryGeometryMatchesDirectConvolutionBitExactly) {
  std::mt19937 rng(21);
  std::normal_distribution<float> nd;
  for (const Case& c : geometries())
    for (bool withBias : {true, false}) {
      const QConvShape& s = c.s;
      std::vector<float> x(c.batch * s.C * s.H * s.W), w(s.OC * s.reduction()), b(s.OC);
      for (auto& v : x) v = nd(rng);
      for (auto& v : w) v = nd(rng);
      for (auto& v : b) v = nd(rng);
      const size_t n = c.batch * s.OC * s.outH() * s.outW();
      std::vector<float> y(n, 7.0f), r(n, -7.0f);
      fconv2d(x.data(), c.batch, w.data(), withBias ? b.data() : nullptr, s, y.data());
      fconv2d_ref(x.data(), c.batch, w.data(), withBias ? b.data() : nullptr, s, r.data());
      ASSERT_EQ(y, r) << c.name;
    }
}

TEST(QConv, ExtremeInputsDoNotOverflow) {
  // 255 · (−128) over K = 64·9 taps, and the same through the depthwise path.
  for (size_t groups : {1, 64}) {
    const QConvShape s = shape(64, 6, 10, 64, 3, 1, 1, 1, groups);
    std::vector<uint8_t> x(s.C * s.H * s.W, 255);
    std::vector<int8_t> w(s.OC * s.reduction(), -128);
    const float one = 1.0f;
    const QPackedWeights p = packQConvWeights(w.data(), s, &one, 1, nullptr, nullptr);
    QActivation xq;
    xq.type = QType::U8;
    std::vector<float> y(s.OC * s.outH() * s.outW()), r(y.size());
    qconv2d(x.data(), 1, xq, p, s, y.data(), QOutput{});
    qconv2d_ref(x.data(), 1, xq, p, s, r.data(), QOutput{});
    ASSERT_EQ(y, r);
    const float full = -128.0f * 255.0f * static_cast<float>(s.reduction());
    EXPECT_EQ(y[s.outW() + 1], full);  // an interior output position of channel 0
    // Requantized, every output saturates at the bottom of uint8.
    QOutput q;
    q.kind = QOutput::Kind::U8;
    q.zeroPoint = 128;
    std::vector<uint8_t> yq(y.size());
    qconv2d(x.data(), 1, xq, p, s, yq.data(), q);
    for (uint8_t v : yq) ASSERT_EQ(v, 0);
  }
}

TEST(QConv, RejectsMismatchedShapes) {
  const QConvShape s = shape(4, 5, 5, 6, 3);
  std::vector<int8_t> w(6 * 4 * 9, 1);
  const float one = 1.0f;
  const QPackedWeights p = packQConvWeights(w.data(), s, &one, 1, nullptr, nullptr);
  QConvShape other = s;
  other.C = 5;
  std::vector<uint8_t> x(5 * 25), y(6 * 9);
  EXPECT_THROW(qconv2d(x.data(), 1, QActivation{}, p, other, y.data(), QOutput{}), Error);
  QConvShape bad = shape(4, 2, 2, 6, 5);
  EXPECT_THROW(validateQConvShape(bad), Error);
  bad = shape(4, 5, 5, 6, 3, 1, 0, 1, 3);
  EXPECT_THROW(validateQConvShape(bad), Error);
}

}  // namespace
}  // namespace qwasm::kernels
