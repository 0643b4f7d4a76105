#include "kernels/quantize/float_convert.h"

#include "formats/minifloat.h"
#include "kernels/quantize/quantize_codes.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

namespace {

inline void put16(uint8_t* out, size_t i, uint16_t v) {
  out[2 * i] = static_cast<uint8_t>(v);
  out[2 * i + 1] = static_cast<uint8_t>(v >> 8);
}
inline uint16_t get16(const uint8_t* in, size_t i) {
  return static_cast<uint16_t>(in[2 * i] | (in[2 * i + 1] << 8));
}

// Exponent/mantissa layout of an fp8 kind (both saturate; SPEC §1).
struct Fp8Layout {
  int man;           // mantissa bits
  int bias;
  uint32_t maxCode;  // largest finite magnitude code
  uint32_t nanCode;  // canonical NaN magnitude
};
constexpr Fp8Layout layoutOf(Fp8Kind k) {
  return k == Fp8Kind::E4M3 ? Fp8Layout{3, 7, 0x7E, 0x7F} : Fp8Layout{2, 15, 0x7B, 0x7E};
}

#if defined(__wasm_simd128__)
inline v128_t load4(const float* x, bool divide, v128_t vd) {
  const v128_t v = wasm_v128_load(x);
  return divide ? wasm_f32x4_div(v, vd) : v;
}

// float -> fp16 on 4 lanes: formats::floatToHalf, lane-wise.
inline v128_t half4(v128_t f) {
  const v128_t sign = wasm_v128_and(f, wasm_i32x4_splat(static_cast<int32_t>(0x80000000u)));
  const v128_t u = wasm_v128_xor(f, sign);
  const v128_t infNan = wasm_v128_bitselect(wasm_i32x4_splat(0x7E00), wasm_i32x4_splat(0x7C00), wasm_i32x4_gt(u, wasm_i32x4_splat(0x7F800000)));
  const v128_t magic = wasm_i32x4_splat(0x3F000000);
  const v128_t sub = wasm_i32x4_sub(wasm_f32x4_add(u, magic), magic);
  v128_t norm = wasm_i32x4_add(u, wasm_i32x4_splat(static_cast<int32_t>(0xC8000FFFu)));
  norm = wasm_i32x4_add(norm, wasm_v128_and(wasm_u32x4_shr(u, 13), wasm_i32x4_splat(1)));
  norm = wasm_u32x4_shr(norm, 13);
  v128_t o = wasm_v128_bitselect(sub, norm, wasm_i32x4_lt(u, wasm_i32x4_splat(0x38800000)));
  o = wasm_v128_bitselect(infNan, o, wasm_i32x4_ge(u, wasm_i32x4_splat(0x47800000)));
  return wasm_v128_or(o, wasm_u32x4_shr(sign, 16));
}

// float -> fp8 on 4 lanes (codes in the low byte of each lane).
inline v128_t fp84(v128_t f, const Fp8Layout& L) {
  const v128_t sign = wasm_v128_and(f, wasm_i32x4_splat(static_cast<int32_t>(0x80000000u)));
  const v128_t a = wasm_v128_xor(f, sign);
  const int shift = 23 - L.man;
  // Below the smallest normal 2^(1-bias): add 2^(1-bias-man+23), whose ulp is
  // the fp8 subnormal step, and let the float add round to nearest even.
  const v128_t magic = wasm_i32x4_splat((127 + 1 - L.bias - L.man + 23) << 23);
  const v128_t sub = wasm_i32x4_sub(wasm_f32x4_add(a, magic), magic);
  v128_t norm = wasm_i32x4_add(a, wasm_i32x4_splat(static_cast<int32_t>((static_cast<uint32_t>(L.bias - 127) << 23) + (1u << (shift - 1)) - 1)));
  norm = wasm_i32x4_add(norm, wasm_v128_and(wasm_u32x4_shr(a, shift), wasm_i32x4_splat(1)));
  norm = wasm_u32x4_shr(norm, shift);
  v128_t o = wasm_v128_bitselect(sub, norm, wasm_i32x4_lt(a, wasm_i32x4_splat((127 + 1 - L.bias) << 23)));
  o = wasm_u32x4_min(o, wasm_i32x4_splat(static_cast<int32_t>(L.maxCode)));  // saturate (inf too)
  o = wasm_v128_bitselect(wasm_i32x4_splat(static_cast<int32_t>(L.nanCode)), o, wasm_i32x4_gt(a, wasm_i32x4_splat(0x7F800000)));
  return wasm_v128_or(o, wasm_u32x4_shr(sign, 24));
}
#endif

}  // namespace

void f32_to_f16_ref(const float* x, size_t n, float divisor, uint8_t* out) noexcept {
  const bool divide = divisor != 1.0f;
  for (size_t i = 0; i < n; ++i) put16(out, i, formats::floatToHalf(divide ? x[i] / divisor : x[i]));
}

void f32_to_f16(const float* x, size_t n, float divisor, uint8_t* out) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    const bool divide = divisor != 1.0f;
    const v128_t vd = wasm_f32x4_splat(divisor);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const v128_t a = half4(load4(x + i, divide, vd)), b = half4(load4(x + i + 4, divide, vd));
      wasm_v128_store(out + 2 * i, wasm_u16x8_narrow_i32x4(a, b));
    }
    f32_to_f16_ref(x + i, n - i, divisor, out + 2 * i);
    return;
  }
#endif
  f32_to_f16_ref(x, n, divisor, out);
}

void f16_to_f32_ref(const uint8_t* h, size_t n, float* out) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = formats::halfToFloat(get16(h, i));
}

void f16_to_f32(const uint8_t* h, size_t n, float* out) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    // Exponent and mantissa moved into float position and rebiased; subnormal
    // halves become float normals via one exact subtraction (F. Giesen).
    const v128_t expMask = wasm_i32x4_splat(0x7C00 << 13);
    const v128_t magic = wasm_i32x4_splat(113 << 23);  // 2^-14
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const v128_t v = wasm_v128_load(h + 2 * i);
      for (int half = 0; half < 2; ++half) {
        const v128_t w = half ? wasm_u32x4_extend_high_u16x8(v) : wasm_u32x4_extend_low_u16x8(v);
        v128_t o = wasm_i32x4_shl(wasm_v128_and(w, wasm_i32x4_splat(0x7FFF)), 13);
        const v128_t exp = wasm_v128_and(o, expMask);
        o = wasm_i32x4_add(o, wasm_i32x4_splat((127 - 15) << 23));
        const v128_t isSub = wasm_i32x4_eq(exp, wasm_i32x4_splat(0));
        const v128_t subV = wasm_f32x4_sub(wasm_i32x4_add(o, wasm_i32x4_splat(1 << 23)), magic);
        o = wasm_v128_bitselect(subV, o, isSub);
        const v128_t isTop = wasm_i32x4_eq(exp, expMask);
        const v128_t manZero = wasm_i32x4_eq(wasm_v128_and(w, wasm_i32x4_splat(0x3FF)), wasm_i32x4_splat(0));
        const v128_t special = wasm_v128_bitselect(wasm_i32x4_splat(0x7F800000), wasm_i32x4_splat(0x7FC00000), manZero);
        o = wasm_v128_bitselect(special, o, isTop);
        o = wasm_v128_or(o, wasm_i32x4_shl(wasm_v128_and(w, wasm_i32x4_splat(0x8000)), 16));
        wasm_v128_store(out + i + 4 * half, o);
      }
    }
    f16_to_f32_ref(h + 2 * i, n - i, out + i);
    return;
  }
#endif
  f16_to_f32_ref(h, n, out);
}

void f32_to_bf16_ref(const float* x, size_t n, float divisor, uint8_t* out) noexcept {
  const bool divide = divisor != 1.0f;
  for (size_t i = 0; i < n; ++i) put16(out, i, formats::floatToBFloat16(divide ? x[i] / divisor : x[i]));
}

void f32_to_bf16(const float* x, size_t n, float divisor, uint8_t* out) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    const bool divide = divisor != 1.0f;
    const v128_t vd = wasm_f32x4_splat(divisor);
    size_t i = 0;
    auto bf4 = [](v128_t u) {
      const v128_t r = wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(u, wasm_i32x4_splat(0x7FFF)), wasm_v128_and(wasm_u32x4_shr(u, 16), wasm_i32x4_splat(1))), 16);
      const v128_t nan = wasm_v128_or(wasm_u32x4_shr(u, 16), wasm_i32x4_splat(0x40));
      const v128_t isNan = wasm_i32x4_gt(wasm_v128_and(u, wasm_i32x4_splat(0x7FFFFFFF)), wasm_i32x4_splat(0x7F800000));
      return wasm_v128_bitselect(nan, r, isNan);
    };
    for (; i + 8 <= n; i += 8) {
      const v128_t a = bf4(load4(x + i, divide, vd)), b = bf4(load4(x + i + 4, divide, vd));
      wasm_v128_store(out + 2 * i, wasm_u16x8_narrow_i32x4(a, b));
    }
    f32_to_bf16_ref(x + i, n - i, divisor, out + 2 * i);
    return;
  }
#endif
  f32_to_bf16_ref(x, n, divisor, out);
}

void bf16_to_f32_ref(const uint8_t* b, size_t n, float* out) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = formats::bfloat16ToFloat(get16(b, i));
}

void bf16_to_f32(const uint8_t* b, size_t n, float* out) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const v128_t v = wasm_v128_load(b + 2 * i);
      wasm_v128_store(out + i, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16));
      wasm_v128_store(out + i + 4, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16));
    }
    bf16_to_f32_ref(b + 2 * i, n - i, out + i);
    return;
  }
#endif
  bf16_to_f32_ref(b, n, out);
}

void f32_to_fp8_ref(const float* x, size_t n, Fp8Kind kind, float divisor, uint8_t* out) noexcept {
  const bool divide = divisor != 1.0f;
  for (size_t i = 0; i < n; ++i) {
    const float v = divide ? x[i] / divisor : x[i];
    out[i] = kind == Fp8Kind::E4M3 ? formats::floatToFp8E4M3(v) : formats::floatToFp8E5M2(v);
  }
}

void f32_to_fp8(const float* x, size_t n, Fp8Kind kind, float divisor, uint8_t* out) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    const bool divide = divisor != 1.0f;
    const v128_t vd = wasm_f32x4_splat(divisor);
    const Fp8Layout L = layoutOf(kind);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const v128_t a = fp84(load4(x + i, divide, vd), L), b = fp84(load4(x + i + 4, divide, vd), L);
      const v128_t c = fp84(load4(x + i + 8, divide, vd), L), d = fp84(load4(x + i + 12, divide, vd), L);
      wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d)));
    }
    f32_to_fp8_ref(x + i, n - i, kind, divisor, out + i);
    return;
  }
#endif
  f32_to_fp8_ref(x, n, kind, divisor, out);
}

void fp8_to_f32_ref(const uint8_t* v, size_t n, Fp8Kind kind, float* out) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = kind == Fp8Kind::E4M3 ? formats::fp8E4M3ToFloat(v[i]) : formats::fp8E5M2ToFloat(v[i]);
}

void fp8_to_f32(const uint8_t* v, size_t n, Fp8Kind kind, float* out) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    // Magnitude bits shifted into float position read as a (possibly
    // subnormal) float; one exact multiply by 2^(127 - bias) rebiases it.
    const Fp8Layout L = layoutOf(kind);
    const v128_t rebias = wasm_i32x4_splat((127 + 127 - L.bias) << 23);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const v128_t b = wasm_v128_load(v + i);
      const v128_t lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
      const v128_t w[4] = {wasm_u32x4_extend_low_u16x8(lo), wasm_u32x4_extend_high_u16x8(lo),
                           wasm_u32x4_extend_low_u16x8(hi), wasm_u32x4_extend_high_u16x8(hi)};
      for (int j = 0; j < 4; ++j) {
        const v128_t mag = wasm_v128_and(w[j], wasm_i32x4_splat(0x7F));
        v128_t o = wasm_f32x4_mul(wasm_i32x4_shl(mag, 23 - L.man), rebias);
        if (kind == Fp8Kind::E4M3) {
          o = wasm_v128_bitselect(wasm_i32x4_splat(0x7FC00000), o, wasm_i32x4_eq(mag, wasm_i32x4_splat(0x7F)));
        } else {
          const v128_t special = wasm_v128_bitselect(wasm_i32x4_splat(0x7F800000), wasm_i32x4_splat(0x7FC00000), wasm_i32x4_eq(mag, wasm_i32x4_splat(0x7C)));
          o = wasm_v128_bitselect(special, o, wasm_i32x4_ge(mag, wasm_i32x4_splat(0x7C)));
        }
        o = wasm_v128_or(o, wasm_i32x4_shl(wasm_v128_and(w[j], wasm_i32x4_splat(0x80)), 24));
        wasm_v128_store(out + i + 4 * j, o);
      }
    }
    fp8_to_f32_ref(v + i, n - i, kind, out + i);
    return;
  }
#endif
  fp8_to_f32_ref(v, n, kind, out);
}

void scale_f32(float* x, size_t n, float s) noexcept {
  size_t i = 0;
#if defined(__wasm_simd128__)
  if (simd_kernels_active()) {
    const v128_t vs = wasm_f32x4_splat(s);
    for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, wasm_f32x4_mul(wasm_v128_load(x + i), vs));
  }
#endif
  for (; i < n; ++i) x[i] *= s;
}

}  // namespace qwasm::kernels
