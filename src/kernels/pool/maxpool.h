// 2-D max pooling over NCHW planes of uint8, int8 or float values.
//
//   y[p, oy, ox] = max over the window's taps inside the image of
//                  x[p, oy·sh − padTop + i·dh, ox·sw − padLeft + j·dw]
//
// Padding never wins (ONNX MaxPool); a window with no tap inside the image
// (only possible with pads ≥ the kernel or dilations) gives 0 for the
// integer types and −inf for float. Integer codes pool directly: the
// quantization is monotone, so max of the codes is the code of the max.
// Ties and order: max is exact, so SIMD and reference agree bit for bit
// (float max is std::max order: a NaN tap after a number is skipped).
//
// maxpool2d (SIMD on wasm) handles dilation 1 with pads smaller than the
// kernel: per output row it takes the vertical max of the window's rows
// into a row buffer padded with the type's lowest value, then the
// horizontal max over the buffer (one unaligned load per tap for stride 1,
// even-lane shuffles for stride 2, scalar for larger strides). Other
// windows take the reference.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwasm::kernels {

struct PoolWindow {
  size_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  size_t padTop = 0, padLeft = 0;
  size_t oh = 1, ow = 1;  // output size (covers padBottom / padRight and ceil_mode)
};

// x: planes × H × W; y: planes × oh × ow.
void maxpool2d(const uint8_t* x, uint8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w);
void maxpool2d(const int8_t* x, int8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w);
void maxpool2d(const float* x, float* y, size_t planes, size_t H, size_t W, const PoolWindow& w);
void maxpool2d_ref(const uint8_t* x, uint8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w);
void maxpool2d_ref(const int8_t* x, int8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w);
void maxpool2d_ref(const float* x, float* y, size_t planes, size_t H, size_t W, const PoolWindow& w);

}  // namespace qwasm::kernels
