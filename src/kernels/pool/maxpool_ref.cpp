// The definition of max pooling (maxpool.h): every tap checked against the image.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "kernels/pool/maxpool.h"

namespace qwasm::kernels {

namespace {

template <class T>
void maxpoolRef(const T* x, T* y, size_t planes, size_t H, size_t W, const PoolWindow& w) {
  const ptrdiff_t h = static_cast<ptrdiff_t>(H), wd = static_cast<ptrdiff_t>(W);
  for (size_t p = 0; p < planes; ++p) {
    const T* plane = x + p * H * W;
    for (size_t oy = 0; oy < w.oh; ++oy)
      for (size_t ox = 0; ox < w.ow; ++ox) {
        bool any = false;
        T acc{};
        for (size_t i = 0; i < w.kh; ++i) {
          const ptrdiff_t iy = static_cast<ptrdiff_t>(oy * w.sh + i * w.dh) - static_cast<ptrdiff_t>(w.padTop);
          if (iy < 0 || iy >= h) continue;
          for (size_t j = 0; j < w.kw; ++j) {
            const ptrdiff_t ix = static_cast<ptrdiff_t>(ox * w.sw + j * w.dw) - static_cast<ptrdiff_t>(w.padLeft);
            if (ix < 0 || ix >= wd) continue;
            const T v = plane[iy * wd + ix];
            acc = any ? std::max(acc, v) : v;
            any = true;
          }
        }
        if (!any) acc = std::is_same_v<T, float> ? static_cast<T>(-std::numeric_limits<float>::infinity()) : T(0);
        y[(p * w.oh + oy) * w.ow + ox] = acc;
      }
  }
}

}  // namespace

void maxpool2d_ref(const uint8_t* x, uint8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { maxpoolRef(x, y, planes, H, W, w); }
void maxpool2d_ref(const int8_t* x, int8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { maxpoolRef(x, y, planes, H, W, w); }
void maxpool2d_ref(const float* x, float* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { maxpoolRef(x, y, planes, H, W, w); }

}  // namespace qwasm::kernels
