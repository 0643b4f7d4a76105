// Max pooling: the SIMD path (wasm build) against the reference, bit for
// bit, over kernels, strides, pads, dilations, ceil-mode output sizes and
// awkward plane sizes; natively both are the reference.
#include <gtest/gtest.h>

#include <limits>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/pool/maxpool.h"

namespace qwasm::kernels {
namespace {

size_t outSize(size_t in, size_t pad0, size_t pad1, size_t k, size_t s, size_t d, bool ceilMode) {
  const size_t span = in + pad0 + pad1 - d * (k - 1) - 1;
  return (ceilMode ? (span + s - 1) / s : span / s) + 1;
}

template <class T>
void checkAll(std::mt19937& rng) {
  std::uniform_int_distribution<int> codes(-128, 255);
  std::normal_distribution<float> normal;
  for (size_t H : {1, 2, 5, 14, 17}) for (size_t W : {1, 3, 7, 16, 17, 28, 33, 65}) {
    const size_t planes = 3;
    std::vector<T> x(planes * H * W);
    for (auto& v : x) {
      if constexpr (std::is_same_v<T, float>) v = normal(rng);
      else v = static_cast<T>(codes(rng));
    }
    if constexpr (std::is_same_v<T, float>) { x[0] = -std::numeric_limits<float>::infinity(); x[x.size() - 1] = std::numeric_limits<float>::infinity(); }
    for (size_t k : {1, 2, 3}) for (size_t s : {1, 2, 3}) for (size_t pad : {0, 1, 2}) for (size_t d : {1, 2}) for (bool ceilMode : {false, true}) {
      if (H + 2 * pad < d * (k - 1) + 1 || W + 2 * pad < d * (k - 1) + 1) continue;
      PoolWindow w;
      w.kh = w.kw = k;
      w.sh = w.sw = s;
      w.dh = w.dw = d;
      w.padTop = w.padLeft = pad;
      w.oh = outSize(H, pad, pad, k, s, d, ceilMode);
      w.ow = outSize(W, pad, pad, k, s, d, ceilMode);
      std::vector<T> y(planes * w.oh * w.ow), r(y.size());
      maxpool2d(x.data(), y.data(), planes, H, W, w);
      maxpool2d_ref(x.data(), r.data(), planes, H, W, w);
      ASSERT_EQ(0, std::memcmp(y.data(), r.data(), y.size() * sizeof(T)))
          << "H=" << H << " W=" << W << " k=" << k << " s=" << s << " pad=" << pad << " d=" << d << " ceil=" << ceilMode;
    }
  }
}

TEST(MaxPool, SimdEqualsReferenceUint8) { std::mt19937 rng(1); checkAll<uint8_t>(rng); }
TEST(MaxPool, SimdEqualsReferenceInt8) { std::mt19937 rng(2); checkAll<int8_t>(rng); }
TEST(MaxPool, SimdEqualsReferenceFloat) { std::mt19937 rng(3); checkAll<float>(rng); }

TEST(MaxPool, ReferenceIgnoresPaddingAndHandlesEmptyWindows) {
  // 2x2 plane, 2x2 window, stride 2, pad 1 on top/left: each window sees one value.
  const int8_t x[] = {-5, -6, -7, -8};
  PoolWindow w;
  w.kh = w.kw = 2;
  w.sh = w.sw = 2;
  w.padTop = w.padLeft = 1;
  w.oh = w.ow = 2;
  int8_t y[4];
  maxpool2d(x, y, 1, 2, 2, w);
  EXPECT_EQ(y[0], -5);  // padding (a real −inf) never wins, even over negatives
  EXPECT_EQ(y[1], -6);
  EXPECT_EQ(y[2], -7);
  EXPECT_EQ(y[3], -8);
  // A window entirely in the padding: 0 for integer codes.
  w.kh = w.kw = 1;
  w.sh = w.sw = 1;
  w.oh = w.ow = 3;
  int8_t z[9];
  maxpool2d(x, z, 1, 2, 2, w);
  EXPECT_EQ(z[0], 0);
  EXPECT_EQ(z[4], -5);
}

}  // namespace
}  // namespace qwasm::kernels
