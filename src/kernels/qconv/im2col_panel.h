// The im2col of one image's group for the panel layouts of the packed GEMMs,
// shared by qconv (uint8/int8) and fconv (float); k = (c·kh + i)·kw + j.
// Padding and positions ≥ P read `pad` (the zero-point, 0 for float).
//
// gatherPanel8: the windows of 8 consecutive output positions as a [K][8]
// block (the k-major fp32 panel as it stands; the int8 panels interleave it
// into k-pairs). The 8 positions split into runs along output rows; per run
// and tap, a row outside the image or a column range inside it is one fill
// or one copy (stride 1), only border taps go element by element. Suits
// wide outputs, where a panel is mostly one run.
//
// im2colRow / im2colRows: rows of the [K][Pp] matrix (Pp = P rounded up to
// 8), one output row per copy — for narrow outputs (OW < 32), where panels
// straddle rows and the per-run work of gatherPanel8 dominates, and for any
// stride-1 window in the int8 path; the panels then take 8 contiguous
// values per k.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qconv/qconv.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)
// out[l] = src[2l], l < 8, reading src[0 .. 14] only (no load past the last tap).
inline void stride2Gather8(uint8_t* out, const uint8_t* src) {
  const v128_t a = wasm_v128_load64_zero(src), b = wasm_v128_load64_zero(src + 7);  // b[l] = src[7 + l]
  wasm_v128_store64_lane(out, wasm_i8x16_shuffle(a, b, 0, 2, 4, 6, 17, 19, 21, 23, 0, 0, 0, 0, 0, 0, 0, 0), 0);
}
inline void stride2Gather8(int8_t* out, const int8_t* src) {
  stride2Gather8(reinterpret_cast<uint8_t*>(out), reinterpret_cast<const uint8_t*>(src));
}
inline void stride2Gather8(float* out, const float* src) {
  const v128_t a = wasm_v128_load(src), b = wasm_v128_load(src + 4), c = wasm_v128_load(src + 8), d = wasm_v128_load(src + 11);
  wasm_v128_store(out, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
  wasm_v128_store(out + 4, wasm_i32x4_shuffle(c, d, 0, 2, 5, 7));  // c: src[8..11], d: src[11..14]
}
#endif

template <class T>
void gatherPanel8(const T* xg, const QConvShape& s, size_t p0, T pad, T* dst) {
  const size_t Cg = s.C / s.groups, OW = s.outW(), P = s.outH() * OW;
  const ptrdiff_t H = static_cast<ptrdiff_t>(s.H), W = static_cast<ptrdiff_t>(s.W);
  struct Run { size_t lane, len; ptrdiff_t iy0, ix0; };
  Run runs[8];
  size_t nRuns = 0;
  for (size_t l = 0; l < 8 && p0 + l < P;) {
    const size_t p = p0 + l, oy = p / OW, ox = p % OW;
    const size_t len = std::min({8 - l, OW - ox, P - p});
    runs[nRuns++] = {l, len, static_cast<ptrdiff_t>(oy * s.sh) - static_cast<ptrdiff_t>(s.padTop),
                     static_cast<ptrdiff_t>(ox * s.sw) - static_cast<ptrdiff_t>(s.padLeft)};
    l += len;
  }
  const size_t valid = std::min<size_t>(8, P - p0);
  size_t k = 0;
  for (size_t c = 0; c < Cg; ++c) {
    const T* plane = xg + c * s.H * s.W;
    for (size_t i = 0; i < s.kh; ++i)
      for (size_t j = 0; j < s.kw; ++j, ++k) {
        T* d = dst + k * 8;
        const ptrdiff_t dy = static_cast<ptrdiff_t>(i * s.dh), dx = static_cast<ptrdiff_t>(j * s.dw);
        for (size_t r = 0; r < nRuns; ++r) {
          const Run& run = runs[r];
          T* out = d + run.lane;
          const ptrdiff_t iy = run.iy0 + dy;
          if (iy < 0 || iy >= H) {
            std::fill(out, out + run.len, pad);
            continue;
          }
          const T* src = plane + iy * W;
          const ptrdiff_t x0 = run.ix0 + dx, sw = static_cast<ptrdiff_t>(s.sw);
          if (sw == 1 && x0 >= 0 && x0 + static_cast<ptrdiff_t>(run.len) <= W) {
            if (run.len == 8) {
              std::memcpy(out, src + x0, 8 * sizeof(T));  // constant size: inlined as 1-2 vector moves
            } else {
              for (size_t l = 0; l < run.len; ++l) out[l] = src[x0 + static_cast<ptrdiff_t>(l)];
            }
            continue;
          }
#if defined(__wasm_simd128__)
          if (sw == 2 && run.len == 8 && x0 >= 0 && x0 + 14 < W) {  // 8 taps at stride 2: even lanes of 15 values
            stride2Gather8(out, src + x0);
            continue;
          }
#endif
          for (size_t l = 0; l < run.len; ++l) {
            const ptrdiff_t x = x0 + static_cast<ptrdiff_t>(l) * sw;
            out[l] = x >= 0 && x < W ? src[x] : pad;
          }
        }
        if (valid < 8) std::fill(d + valid, d + 8, pad);
      }
  }
}

// n values, for short rows: whole vectors and one overlapping last vector
// (a memcpy call costs more than the copy at these lengths).
template <class T>
inline void copyShort(T* d, const T* src, size_t n) {
#if defined(__wasm_simd128__)
  constexpr size_t V = 16 / sizeof(T);
  if (n >= V) {
    size_t i = 0;
    for (; i + V <= n; i += V) wasm_v128_store(d + i, wasm_v128_load(src + i));
    if (i < n) wasm_v128_store(d + n - V, wasm_v128_load(src + n - V));
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i) d[i] = src[i];
}

// Row k of the im2col matrix: the tap k = (c·kh + i)·kw + j of every output
// position, P values then `pad` up to Pp.
template <class T>
void im2colRow(const T* xg, const QConvShape& s, size_t k, T pad, T* row, size_t Pp) {
  const size_t OH = s.outH(), OW = s.outW(), P = OH * OW;
  const size_t c = k / (s.kh * s.kw), i = k / s.kw % s.kh, j = k % s.kw;
  const ptrdiff_t H = static_cast<ptrdiff_t>(s.H), W = static_cast<ptrdiff_t>(s.W), sw = static_cast<ptrdiff_t>(s.sw);
  const T* plane = xg + c * s.H * s.W;
  // Output columns whose tap lies inside the image: [lo, hi).
  const ptrdiff_t off = static_cast<ptrdiff_t>(j * s.dw) - static_cast<ptrdiff_t>(s.padLeft);  // x = ox·sw + off
  const ptrdiff_t lo = std::min<ptrdiff_t>(static_cast<ptrdiff_t>(OW), off >= 0 ? 0 : (-off + sw - 1) / sw);
  const ptrdiff_t hi = std::max<ptrdiff_t>(lo, std::min<ptrdiff_t>(static_cast<ptrdiff_t>(OW), W - off <= 0 ? 0 : (W - off + sw - 1) / sw));
  T* d = row;
  for (size_t oy = 0; oy < OH; ++oy, d += OW) {
    const ptrdiff_t iy = static_cast<ptrdiff_t>(oy * s.sh + i * s.dh) - static_cast<ptrdiff_t>(s.padTop);
    if (iy < 0 || iy >= H) {
      std::fill(d, d + OW, pad);
      continue;
    }
    const T* src = plane + iy * W + off;
    std::fill(d, d + lo, pad);
    if (sw == 1) copyShort(d + lo, src + lo, static_cast<size_t>(hi - lo));
    else for (ptrdiff_t ox = lo; ox < hi; ++ox) d[ox] = src[ox * sw];
    std::fill(d + hi, d + OW, pad);
  }
  std::fill(row + P, row + Pp, pad);
}

template <class T>
void im2colRows(const T* xg, const QConvShape& s, T pad, T* col, size_t Pp) {
  for (size_t k = 0; k < s.reduction(); ++k) im2colRow(xg, s, k, pad, col + k * Pp, Pp);
}

}  // namespace qwasm::kernels
