// Direct depthwise convolution (groups = C = OC) in wasm SIMD128, and the
// dispatching entry point (the naive reference elsewhere). Each channel's
// input is widened once into an int16 plane padded with the activation
// zero-point; then 8 output columns per step. Dilation 1, stride 1 or 2
// (the common depthwise layers): taps in pairs by i32x4.dot_i16x8_s
// (depthwiseRowPairs). Otherwise: for every kernel tap one i16x8 load (or a
// gather), multiplied by the splatted tap with i32x4.extmul_{low,high}_i16x8_s.
#include <algorithm>
#include <vector>

#include "common/error.h"
#include "kernels/qconv/qconv.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/qgemm/qstage_simd.h"
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)

namespace {

// One output row of one channel: 8 output columns per step. SW: the column
// stride when it is 1 or 2 (contiguous loads / one even-lane shuffle), 0 for
// any other stride (lane-by-lane gather).
template <int SW>
void depthwiseRow(const int16_t* plane, size_t Wp, const int8_t* taps, const QConvShape& s, size_t oy, size_t OW, const QStage& st,
                  v128_t cbias, v128_t cmult, v128_t cbiasF, void* y, size_t rowOut) {
  const size_t sw = SW ? SW : s.sw;
  for (size_t ox = 0; ox < OW; ox += 8) {
    v128_t acc0 = wasm_i32x4_splat(0), acc1 = wasm_i32x4_splat(0);
    for (size_t i = 0; i < s.kh; ++i) {
      const int16_t* row = plane + (oy * s.sh + i * s.dh) * Wp + ox * sw;
      const int8_t* t = taps + i * s.kw;
      for (size_t j = 0; j < s.kw; ++j) {
        const int16_t* p = row + j * s.dw;
        v128_t v;
        if constexpr (SW == 1) {
          v = wasm_v128_load(p);
        } else if constexpr (SW == 2) {
          v = wasm_i16x8_shuffle(wasm_v128_load(p), wasm_v128_load(p + 8), 0, 2, 4, 6, 8, 10, 12, 14);
        } else {
          v = wasm_i16x8_make(p[0], p[sw], p[2 * sw], p[3 * sw], p[4 * sw], p[5 * sw], p[6 * sw], p[7 * sw]);
        }
        const v128_t wv = wasm_i16x8_splat(t[j]);
        acc0 = wasm_i32x4_add(acc0, wasm_i32x4_extmul_low_i16x8(v, wv));
        acc1 = wasm_i32x4_add(acc1, wasm_i32x4_extmul_high_i16x8(v, wv));
      }
    }
    const size_t lanes = std::min<size_t>(8, OW - ox), at = rowOut + ox;
    simd::stageStore4(wasm_i32x4_add(acc0, cbias), cmult, cbiasF, st, y, at, 1, std::min<size_t>(4, lanes));
    if (lanes > 4) simd::stageStore4(wasm_i32x4_add(acc1, cbias), cmult, cbiasF, st, y, at + 4, 1, lanes - 4);
  }
}

// The same row with the taps taken in pairs (j, j+1) by i32x4.dot_i16x8_s,
// for dilation 1 and stride 1 or 2: lane o of an accumulator needs the
// adjacent values (x[o·sw + j], x[o·sw + j + 1]) — for stride 2 that is a
// plain load of 8 values, for stride 1 one shuffle (0,1,1,2,2,3,3,4) of a
// load. pairs: per kernel row, ceil(kw/2) splatted int16 pairs (an odd kw's
// last tap pairs with 0). 4 outputs per dot instead of 2 extmuls per tap.
template <int SW>
void depthwiseRowPairs(const int16_t* plane, size_t Wp, const v128_t* pairs, const QConvShape& s, size_t oy, size_t OW, const QStage& st,
                       v128_t cbias, v128_t cmult, v128_t cbiasF, void* y, size_t rowOut) {
  const size_t np = (s.kw + 1) / 2;
  for (size_t ox = 0; ox < OW; ox += 8) {
    v128_t acc0 = wasm_i32x4_splat(0), acc1 = wasm_i32x4_splat(0);
    for (size_t i = 0; i < s.kh; ++i) {
      const int16_t* row = plane + (oy * s.sh + i) * Wp + ox * SW;
      for (size_t jp = 0; jp < np; ++jp) {
        const int16_t* p = row + 2 * jp;
        const v128_t w = pairs[i * np + jp];
        v128_t v0, v1;
        if constexpr (SW == 2) {
          v0 = wasm_v128_load(p);
          v1 = wasm_v128_load(p + 8);
        } else {
          v0 = wasm_i16x8_shuffle(wasm_v128_load(p), wasm_v128_load(p), 0, 1, 1, 2, 2, 3, 3, 4);
          v1 = wasm_i16x8_shuffle(wasm_v128_load(p + 4), wasm_v128_load(p + 4), 0, 1, 1, 2, 2, 3, 3, 4);
        }
        acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(v0, w));
        acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(v1, w));
      }
    }
    const size_t lanes = std::min<size_t>(8, OW - ox), at = rowOut + ox;
    simd::stageStore4(wasm_i32x4_add(acc0, cbias), cmult, cbiasF, st, y, at, 1, std::min<size_t>(4, lanes));
    if (lanes > 4) simd::stageStore4(wasm_i32x4_add(acc1, cbias), cmult, cbiasF, st, y, at + 4, 1, lanes - 4);
  }
}

template <class T>
void depthwise(const T* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out) {
  std::vector<int32_t> bias;
  std::vector<float> mult;
  const QStage st = makeQStage(xq, w, out, 0, s.C, bias, mult);
  const size_t OH = s.outH(), OW = s.outW(), K = s.kh * s.kw;
  const size_t Hp = s.H + s.padTop + s.padBottom, Wp = s.W + s.padLeft + s.padRight;
  // Slack: the last 8-column step may read up to 8·sw + 16 values past the plane.
  // The zero-point border is written once; each channel only overwrites the interior.
  std::vector<int16_t> plane(Hp * Wp + 8 * s.sw + 32, static_cast<int16_t>(xq.zeroPoint));
  const bool pairsPath = s.dw == 1 && (s.sw == 1 || s.sw == 2);
  std::vector<v128_t> pairs(s.kh * ((s.kw + 1) / 2));
  for (size_t b = 0; b < batch; ++b)
    for (size_t c = 0; c < s.C; ++c) {
      const T* src = x + (b * s.C + c) * s.H * s.W;
      for (size_t iy = 0; iy < s.H; ++iy) {
        int16_t* dst = plane.data() + (iy + s.padTop) * Wp + s.padLeft;
        for (size_t ix = 0; ix < s.W; ++ix) dst[ix] = src[iy * s.W + ix];
      }
      const int8_t* taps = w.raw.data() + c * K;
      const v128_t cbias = wasm_i32x4_splat(st.bias[c]), cmult = wasm_f32x4_splat(st.mult[c]);
      const v128_t cbiasF = wasm_f32x4_splat(st.biasF ? st.biasF[c] : 0.0f);
      const size_t outBase = (b * s.C + c) * OH * OW;
      if (pairsPath) {
        const size_t np = (s.kw + 1) / 2;
        for (size_t i = 0; i < s.kh; ++i)
          for (size_t jp = 0; jp < np; ++jp) {
            const int32_t lo = static_cast<uint16_t>(static_cast<int16_t>(taps[i * s.kw + 2 * jp]));
            const int32_t hi = 2 * jp + 1 < s.kw ? taps[i * s.kw + 2 * jp + 1] : 0;
            pairs[i * np + jp] = wasm_i32x4_splat(lo | static_cast<int32_t>(static_cast<uint32_t>(hi) << 16));
          }
        for (size_t oy = 0; oy < OH; ++oy) {
          if (s.sw == 1) depthwiseRowPairs<1>(plane.data(), Wp, pairs.data(), s, oy, OW, st, cbias, cmult, cbiasF, y, outBase + oy * OW);
          else depthwiseRowPairs<2>(plane.data(), Wp, pairs.data(), s, oy, OW, st, cbias, cmult, cbiasF, y, outBase + oy * OW);
        }
        continue;
      }
      for (size_t oy = 0; oy < OH; ++oy) {
        if (s.sw == 1) depthwiseRow<1>(plane.data(), Wp, taps, s, oy, OW, st, cbias, cmult, cbiasF, y, outBase + oy * OW);
        else if (s.sw == 2) depthwiseRow<2>(plane.data(), Wp, taps, s, oy, OW, st, cbias, cmult, cbiasF, y, outBase + oy * OW);
        else depthwiseRow<0>(plane.data(), Wp, taps, s, oy, OW, st, cbias, cmult, cbiasF, y, outBase + oy * OW);
      }
    }
}

}  // namespace

void qdepthwise2d(const void* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out) {
  validateQConvShape(s);
  if (!s.depthwise() || w.raw.empty() || w.N != s.C || w.K != s.kh * s.kw) throwInvalidArgument("depthwise: weights must come from packQConvWeights of a depthwise shape");
  if (xq.rowScale) throwInvalidArgument("conv: per-row activation scales are not supported");
  if (xq.type == QType::U8) depthwise(static_cast<const uint8_t*>(x), batch, xq, w, s, y, out);
  else depthwise(static_cast<const int8_t*>(x), batch, xq, w, s, y, out);
}

#else

void qdepthwise2d(const void* x, size_t batch, const QActivation& xq, const QPackedWeights& w, const QConvShape& s, void* y, const QOutput& out) {
  qdepthwise2d_ref(x, batch, xq, w, s, y, out);
}

#endif

}  // namespace qwasm::kernels
