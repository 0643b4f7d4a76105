// Output geometry of 2-D convolution and pooling windows: kernel, strides,
// dilations, explicit or auto_pad padding, ceil_mode — shared by the float
// and the integer conv ops and pooling.
#pragma once

#include <cstdint>

#include "graph/op_registry.h"

namespace qwasm::graph {

struct Window {
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t padTop, padLeft, padBottom, padRight;
  int64_t oh, ow;
};

// Resolves the node's window attributes for an input of H x W and a kernel of
// kh x kw; is1d maps 1-D attributes onto height 1.
Window convWindow(const OpContext& c, int64_t H, int64_t W, int64_t kh, int64_t kw, bool is1d);

// im2col for one group: rows (channel, ki, kj), columns output positions.
// `plane(ch)` points at channel ch's H*W values; padding reads `padValue`.
template <class T, class PlaneFn>
void im2col(const Window& w, int64_t channels, int64_t H, int64_t W, PlaneFn plane, T padValue, T* col) {
  const int64_t P = w.oh * w.ow;
  for (int64_t cc = 0; cc < channels; ++cc) {
    const T* src = plane(cc);
    for (int64_t i = 0; i < w.kh; ++i)
      for (int64_t j = 0; j < w.kw; ++j) {
        T* row = col + ((cc * w.kh + i) * w.kw + j) * P;
        for (int64_t oy = 0; oy < w.oh; ++oy) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t ox = 0; ox < w.ow; ++ox) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            row[oy * w.ow + ox] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? src[iy * W + ix] : padValue;
          }
        }
      }
  }
}

}  // namespace qwasm::graph
