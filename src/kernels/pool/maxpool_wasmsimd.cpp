// wasm SIMD128 max pooling (maxpool.h): vertical max of the window's rows
// into a padded row buffer, then the horizontal max along the buffer.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/pool/maxpool.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)

namespace {

// Per element type: lanes per vector, lowest value, lane-wise max in
// std::max order (a < b ? b : a).
template <class T> struct Lanes;
template <> struct Lanes<uint8_t> {
  static constexpr size_t n = 16;
  static uint8_t lowest() { return 0; }
  static v128_t max(v128_t a, v128_t b) { return wasm_u8x16_max(a, b); }
  static v128_t evens(v128_t a, v128_t b) { return wasm_i8x16_shuffle(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30); }
};
template <> struct Lanes<int8_t> {
  static constexpr size_t n = 16;
  static int8_t lowest() { return -128; }
  static v128_t max(v128_t a, v128_t b) { return wasm_i8x16_max(a, b); }
  static v128_t evens(v128_t a, v128_t b) { return Lanes<uint8_t>::evens(a, b); }
};
template <> struct Lanes<float> {
  static constexpr size_t n = 4;
  static float lowest() { return -std::numeric_limits<float>::infinity(); }
  static v128_t max(v128_t a, v128_t b) { return wasm_f32x4_pmax(a, b); }
  static v128_t evens(v128_t a, v128_t b) { return wasm_i32x4_shuffle(a, b, 0, 2, 4, 6); }
};

template <class T>
void maxpoolSimd(const T* x, T* y, size_t planes, size_t H, size_t W, const PoolWindow& w) {
  using L = Lanes<T>;
  constexpr size_t n = L::n;
  // Row buffer: padLeft lowest values, the W columns, then lowest values up to
  // the last tap of the last window plus slack for whole-vector loads.
  const size_t span = std::max(w.padLeft + W, (w.ow - 1) * w.sw + w.kw);
  std::vector<T> buf(span + 2 * n + w.kw, L::lowest());
  T* row = buf.data() + w.padLeft;
  T tail[n];
  for (size_t p = 0; p < planes; ++p) {
    const T* plane = x + p * H * W;
    for (size_t oy = 0; oy < w.oh; ++oy) {
      // Rows of the window inside the image (at least one: checked by the caller).
      const ptrdiff_t top = static_cast<ptrdiff_t>(oy * w.sh) - static_cast<ptrdiff_t>(w.padTop);
      const size_t r0 = static_cast<size_t>(std::max<ptrdiff_t>(0, top));
      const size_t r1 = std::min(H, static_cast<size_t>(top + static_cast<ptrdiff_t>(w.kh)));
      size_t c = 0;
      for (; c + n <= W; c += n) {
        v128_t v = wasm_v128_load(plane + r0 * W + c);
        for (size_t r = r0 + 1; r < r1; ++r) v = L::max(v, wasm_v128_load(plane + r * W + c));
        wasm_v128_store(row + c, v);
      }
      if (c < W && W >= n) {
        // The tail as one vector ending at W (overlapping columns get the same values again).
        c = W - n;
        v128_t v = wasm_v128_load(plane + r0 * W + c);
        for (size_t r = r0 + 1; r < r1; ++r) v = L::max(v, wasm_v128_load(plane + r * W + c));
        wasm_v128_store(row + c, v);
        c = W;
      }
      for (; c < W; ++c) {
        T v = plane[r0 * W + c];
        for (size_t r = r0 + 1; r < r1; ++r) v = std::max(v, plane[r * W + c]);
        row[c] = v;
      }
      // Horizontal: output ox reads buf[ox·sw + j], j < kw.
      T* out = y + (p * w.oh + oy) * w.ow;
      const T* b = buf.data();
      size_t ox = 0;
      if (w.sw == 1) {
        for (; ox < w.ow; ox += n) {
          v128_t v = wasm_v128_load(b + ox);
          for (size_t j = 1; j < w.kw; ++j) v = L::max(v, wasm_v128_load(b + ox + j));
          if (ox + n <= w.ow) wasm_v128_store(out + ox, v);
          else { wasm_v128_store(tail, v); std::memcpy(out + ox, tail, (w.ow - ox) * sizeof(T)); }
        }
      } else if (w.sw == 2) {
        for (; ox < w.ow; ox += n) {
          const T* s = b + 2 * ox;
          v128_t v = L::evens(wasm_v128_load(s), wasm_v128_load(s + n));
          for (size_t j = 1; j < w.kw; ++j) v = L::max(v, L::evens(wasm_v128_load(s + j), wasm_v128_load(s + j + n)));
          if (ox + n <= w.ow) wasm_v128_store(out + ox, v);
          else { wasm_v128_store(tail, v); std::memcpy(out + ox, tail, (w.ow - ox) * sizeof(T)); }
        }
      } else {
        for (; ox < w.ow; ++ox) {
          T v = b[ox * w.sw];
          for (size_t j = 1; j < w.kw; ++j) v = std::max(v, b[ox * w.sw + j]);
          out[ox] = v;
        }
      }
    }
  }
}

// The buffered path needs dilation 1 and at least one row and one column of
// every window inside the image.
bool buffered(size_t H, size_t W, const PoolWindow& w) {
  return w.dh == 1 && w.dw == 1 && w.padTop < w.kh && w.padLeft < w.kw && (w.oh - 1) * w.sh < H + w.padTop &&
         (w.ow - 1) * w.sw < W + w.padLeft && H > 0 && W > 0;
}

template <class T>
void dispatch(const T* x, T* y, size_t planes, size_t H, size_t W, const PoolWindow& w) {
  if (buffered(H, W, w)) maxpoolSimd(x, y, planes, H, W, w);
  else maxpool2d_ref(x, y, planes, H, W, w);
}

}  // namespace

void maxpool2d(const uint8_t* x, uint8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { dispatch(x, y, planes, H, W, w); }
void maxpool2d(const int8_t* x, int8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { dispatch(x, y, planes, H, W, w); }
void maxpool2d(const float* x, float* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { dispatch(x, y, planes, H, W, w); }

#else

void maxpool2d(const uint8_t* x, uint8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { maxpool2d_ref(x, y, planes, H, W, w); }
void maxpool2d(const int8_t* x, int8_t* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { maxpool2d_ref(x, y, planes, H, W, w); }
void maxpool2d(const float* x, float* y, size_t planes, size_t H, size_t W, const PoolWindow& w) { maxpool2d_ref(x, y, planes, H, W, w); }

#endif

}  // namespace qwasm::kernels
