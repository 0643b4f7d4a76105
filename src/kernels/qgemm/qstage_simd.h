// The vectorized output stage (qgemm.h formulas) of 4 int32 accumulators,
// shared by the SIMD GEMM and the direct depthwise convolution. Only
// included from wasm SIMD translation units.
#pragma once

#include <wasm_simd128.h>

#include <algorithm>

#include "kernels/qgemm/qgemm.h"

namespace qwasm::kernels::simd {

// acc: accumulators with the int32 bias already added. mult / biasF: per
// lane. Stores `lanes` (≤ 4) results to y + at + l·stride.
inline void stageStore4(v128_t acc, v128_t mult, v128_t biasF, const QStage& st, void* y, size_t at, size_t stride, size_t lanes) {
  const v128_t lo = wasm_f32x4_splat(st.lo), hi = wasm_f32x4_splat(st.hi);
  if (st.kind == QOutput::Kind::F32) {
    v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc), mult), biasF);
    v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
    float* out = static_cast<float*>(y) + at;
    if (lanes == 4 && stride == 1) {
      wasm_v128_store(out, v);
    } else {
      float t[4];
      wasm_v128_store(t, v);
      for (size_t l = 0; l < lanes; ++l) out[l * stride] = t[l];
    }
    return;
  }
  v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc), mult);
  v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
  // Round half to even: adding 1.5·2^23 leaves the rounded integer in the low mantissa bits.
  const v128_t q = wasm_i32x4_sub(wasm_f32x4_add(v, wasm_f32x4_splat(12582912.0f)), wasm_i32x4_splat(0x4B400000 - st.zo));
  const v128_t q16 = wasm_i16x8_narrow_i32x4(q, q);
  const v128_t q8 = st.kind == QOutput::Kind::S8 ? wasm_i8x16_narrow_i16x8(q16, q16) : wasm_u8x16_narrow_i16x8(q16, q16);
  uint8_t* out = static_cast<uint8_t*>(y) + at;
  if (lanes == 4 && stride == 1) {
    wasm_v128_store32_lane(out, q8, 0);
  } else {
    uint8_t t[16];
    wasm_v128_store(t, q8);
    for (size_t l = 0; l < lanes; ++l) out[l * stride] = t[l];
  }
}

}  // namespace qwasm::kernels::simd
