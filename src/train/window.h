// Geometry of a 2-D convolution / pooling window (explicit padding), shared
// by Conv2d and the pooling layers.
#pragma once

#include <cstdint>

namespace qwasm::train {

struct Window2d {
  int64_t kh = 1, kw = 1;
  int64_t sh = 1, sw = 1;
  int64_t dh = 1, dw = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;

  int64_t outH(int64_t H) const { return (H + padTop + padBottom - dh * (kh - 1) - 1) / sh + 1; }
  int64_t outW(int64_t W) const { return (W + padLeft + padRight - dw * (kw - 1) - 1) / sw + 1; }
};

}  // namespace qwasm::train
