#include "kernels/quantize/quantize_codes.h"

#include <algorithm>
#include <cmath>

#include "formats/nf4.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

namespace {
bool g_simd = true;
}

void set_simd_kernels(bool enabled) noexcept { g_simd = enabled; }

bool simd_kernels_active() noexcept {
#if defined(__wasm_simd128__)
  return g_simd;
#else
  return false;
#endif
}

void quantize_codes_ref(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, int32_t* out) noexcept {
  const float z = static_cast<float>(zp), lo = static_cast<float>(qmin), hi = static_cast<float>(qmax);
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyintf(x[i] / scale) + z;
    q = q < lo ? lo : q;
    q = q > hi ? hi : q;
    out[i] = static_cast<int32_t>(q);
  }
}

size_t first_nonfinite_ref(const float* x, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) if (!std::isfinite(x[i])) return i;
  return n;
}

size_t first_nonfinite(const float* x, size_t n) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      // x − x is 0 for finite x and NaN for NaN/±Inf; x − x == 0 fails only there.
      v128_t ok = wasm_i32x4_splat(-1);
      for (int j = 0; j < 4; ++j) {
        const v128_t v = wasm_v128_load(x + i + 4 * j);
        ok = wasm_v128_and(ok, wasm_f32x4_eq(wasm_f32x4_sub(v, v), wasm_f32x4_splat(0.0f)));
      }
      if (!wasm_i32x4_all_true(ok)) return i + first_nonfinite_ref(x + i, 16);
    }
    return i + first_nonfinite_ref(x + i, n - i);
  }
#endif
  return first_nonfinite_ref(x, n);
}

void minmax_f32_ref(const float* x, size_t n, float* lo, float* hi) noexcept {
  float a = x[0], b = x[0];
  for (size_t i = 1; i < n; ++i) {
    a = x[i] < a ? x[i] : a;
    b = x[i] > b ? x[i] : b;
  }
  *lo = a;
  *hi = b;
}

void minmax_f32(const float* x, size_t n, float* lo, float* hi) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd && n >= 16) {
    // Four independent accumulators hide the pmin/pmax latency.
    v128_t l0 = wasm_v128_load(x), l1 = wasm_v128_load(x + 4), l2 = wasm_v128_load(x + 8), l3 = wasm_v128_load(x + 12);
    v128_t h0 = l0, h1 = l1, h2 = l2, h3 = l3;
    size_t i = 16;
    for (; i + 16 <= n; i += 16) {
      const v128_t a = wasm_v128_load(x + i), b = wasm_v128_load(x + i + 4), c = wasm_v128_load(x + i + 8), d = wasm_v128_load(x + i + 12);
      l0 = wasm_f32x4_pmin(l0, a);
      l1 = wasm_f32x4_pmin(l1, b);
      l2 = wasm_f32x4_pmin(l2, c);
      l3 = wasm_f32x4_pmin(l3, d);
      h0 = wasm_f32x4_pmax(h0, a);
      h1 = wasm_f32x4_pmax(h1, b);
      h2 = wasm_f32x4_pmax(h2, c);
      h3 = wasm_f32x4_pmax(h3, d);
    }
    const v128_t vlo = wasm_f32x4_pmin(wasm_f32x4_pmin(l0, l1), wasm_f32x4_pmin(l2, l3));
    const v128_t vhi = wasm_f32x4_pmax(wasm_f32x4_pmax(h0, h1), wasm_f32x4_pmax(h2, h3));
    float a = wasm_f32x4_extract_lane(vlo, 0), b = wasm_f32x4_extract_lane(vhi, 0);
    for (int j = 1; j < 4; ++j) {
      const float l = j == 1 ? wasm_f32x4_extract_lane(vlo, 1) : j == 2 ? wasm_f32x4_extract_lane(vlo, 2) : wasm_f32x4_extract_lane(vlo, 3);
      const float h = j == 1 ? wasm_f32x4_extract_lane(vhi, 1) : j == 2 ? wasm_f32x4_extract_lane(vhi, 2) : wasm_f32x4_extract_lane(vhi, 3);
      a = l < a ? l : a;
      b = h > b ? h : b;
    }
    for (; i < n; ++i) {
      a = x[i] < a ? x[i] : a;
      b = x[i] > b ? x[i] : b;
    }
    *lo = a;
    *hi = b;
    return;
  }
#endif
  minmax_f32_ref(x, n, lo, hi);
}

void quantize_nf4_ref(const float* x, size_t n, float scale, uint8_t* out) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = formats::nearestNf4(x[i] / scale);
}

void quantize_nf4(const float* x, size_t n, float scale, uint8_t* out) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd) {
    // The code is the number of midpoints between levels strictly below x/s
    // (the same float midpoints and strict comparison as nearestNf4).
    v128_t mid[15];
    for (int k = 0; k < 15; ++k) mid[k] = wasm_f32x4_splat(0.5f * (formats::kNf4Levels[k] + formats::kNf4Levels[k + 1]));
    const v128_t vs = wasm_f32x4_splat(scale);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      v128_t c[4];
      for (int j = 0; j < 4; ++j) {
        const v128_t v = wasm_f32x4_div(wasm_v128_load(x + i + 4 * j), vs);
        v128_t acc = wasm_i32x4_splat(0);
        for (int k = 0; k < 15; ++k) acc = wasm_i32x4_sub(acc, wasm_f32x4_gt(v, mid[k]));
        c[j] = acc;
      }
      wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(c[0], c[1]), wasm_i16x8_narrow_i32x4(c[2], c[3])));
    }
    quantize_nf4_ref(x + i, n - i, scale, out + i);
    return;
  }
#endif
  quantize_nf4_ref(x, n, scale, out);
}

void quantize_bytes_ref(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, uint8_t* out) noexcept {
  const float z = static_cast<float>(zp), lo = static_cast<float>(qmin), hi = static_cast<float>(qmax);
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyintf(x[i] / scale) + z;
    q = q < lo ? lo : q;
    q = q > hi ? hi : q;
    out[i] = static_cast<uint8_t>(static_cast<int32_t>(q));
  }
}

void dequantize_bytes_ref(const uint8_t* codes, size_t n, bool isSigned, float scale, int32_t zp, float* out) noexcept {
  for (size_t i = 0; i < n; ++i) {
    const int32_t q = isSigned ? static_cast<int32_t>(static_cast<int8_t>(codes[i])) : static_cast<int32_t>(codes[i]);
    out[i] = static_cast<float>(q - zp) * scale;
  }
}

void fake_quantize_ref(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, float* out) noexcept {
  const float z = static_cast<float>(zp), lo = static_cast<float>(qmin), hi = static_cast<float>(qmax);
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyintf(x[i] / scale) + z;
    q = q < lo ? lo : q;
    q = q > hi ? hi : q;
    // q and z are small integers in float: q - z is exact, as the int path.
    out[i] = (q - z) * scale;
  }
}

#if defined(__wasm_simd128__)
namespace {
// clamp(nearest(x / s) + z, lo, hi) on 4 lanes, as float.
inline v128_t codes4(const float* x, v128_t vs, v128_t vz, v128_t vlo, v128_t vhi) {
  const v128_t q = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x), vs)), vz);
  return wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, q));
}

// Integral floats with |q| < 2^22 to int32: adding 1.5·2^23 puts q in the low
// mantissa bits. Two instructions, where V8 lowers trunc_sat to ~8.
constexpr int32_t kMagicRange = 1 << 22;
inline v128_t integralToI32(v128_t q) {
  return wasm_i32x4_sub(wasm_f32x4_add(q, wasm_f32x4_splat(12582912.0f)), wasm_i32x4_splat(0x4B400000));
}
}  // namespace
#endif

void quantize_bytes(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, uint8_t* out) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd) {
    const v128_t vs = wasm_f32x4_splat(scale), vz = wasm_f32x4_splat(static_cast<float>(zp));
    const v128_t vlo = wasm_f32x4_splat(static_cast<float>(qmin)), vhi = wasm_f32x4_splat(static_cast<float>(qmax));
    const bool isSigned = qmin < 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      // Byte codes: [qmin, qmax] ⊂ [-128, 255], well inside the magic range.
      const v128_t a = integralToI32(codes4(x + i, vs, vz, vlo, vhi));
      const v128_t b = integralToI32(codes4(x + i + 4, vs, vz, vlo, vhi));
      const v128_t c = integralToI32(codes4(x + i + 8, vs, vz, vlo, vhi));
      const v128_t d = integralToI32(codes4(x + i + 12, vs, vz, vlo, vhi));
      const v128_t lo16 = wasm_i16x8_narrow_i32x4(a, b), hi16 = wasm_i16x8_narrow_i32x4(c, d);
      wasm_v128_store(out + i, isSigned ? wasm_i8x16_narrow_i16x8(lo16, hi16) : wasm_u8x16_narrow_i16x8(lo16, hi16));
    }
    quantize_bytes_ref(x + i, n - i, scale, zp, qmin, qmax, out + i);
    return;
  }
#endif
  quantize_bytes_ref(x, n, scale, zp, qmin, qmax, out);
}

void dequantize_bytes(const uint8_t* codes, size_t n, bool isSigned, float scale, int32_t zp, float* out) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd) {
    const v128_t vs = wasm_f32x4_splat(scale), vz = wasm_i32x4_splat(zp);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const v128_t b = wasm_v128_load(codes + i);
      const v128_t lo = isSigned ? wasm_i16x8_extend_low_i8x16(b) : wasm_u16x8_extend_low_u8x16(b);
      const v128_t hi = isSigned ? wasm_i16x8_extend_high_i8x16(b) : wasm_u16x8_extend_high_u8x16(b);
      const v128_t q[4] = {wasm_i32x4_extend_low_i16x8(lo), wasm_i32x4_extend_high_i16x8(lo),
                           wasm_i32x4_extend_low_i16x8(hi), wasm_i32x4_extend_high_i16x8(hi)};
      for (int j = 0; j < 4; ++j) {
        wasm_v128_store(out + i + 4 * j, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(q[j], vz)), vs));
      }
    }
    dequantize_bytes_ref(codes + i, n - i, isSigned, scale, zp, out + i);
    return;
  }
#endif
  dequantize_bytes_ref(codes, n, isSigned, scale, zp, out);
}

void fake_quantize(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, float* out) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd) {
    const v128_t vs = wasm_f32x4_splat(scale), vz = wasm_f32x4_splat(static_cast<float>(zp));
    const v128_t vlo = wasm_f32x4_splat(static_cast<float>(qmin)), vhi = wasm_f32x4_splat(static_cast<float>(qmax));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const v128_t a = codes4(x + i, vs, vz, vlo, vhi), b = codes4(x + i + 4, vs, vz, vlo, vhi);
      wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_sub(a, vz), vs));
      wasm_v128_store(out + i + 4, wasm_f32x4_mul(wasm_f32x4_sub(b, vz), vs));
    }
    fake_quantize_ref(x + i, n - i, scale, zp, qmin, qmax, out + i);
    return;
  }
#endif
  fake_quantize_ref(x, n, scale, zp, qmin, qmax, out);
}

void quantize_codes(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, int32_t* out) noexcept {
#if defined(__wasm_simd128__)
  if (g_simd) {
    const v128_t vs = wasm_f32x4_splat(scale), vz = wasm_f32x4_splat(static_cast<float>(zp));
    const v128_t vlo = wasm_f32x4_splat(static_cast<float>(qmin)), vhi = wasm_f32x4_splat(static_cast<float>(qmax));
    const bool magic = qmin > -kMagicRange && qmax < kMagicRange;  // else wide codes (int32): trunc_sat
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      v128_t a = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i), vs)), vz);
      v128_t b = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i + 4), vs)), vz);
      // pmin/pmax: the same compare-and-select as the scalar ternaries.
      a = wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, a));
      b = wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, b));
      wasm_v128_store(out + i, magic ? integralToI32(a) : wasm_i32x4_trunc_sat_f32x4(a));
      wasm_v128_store(out + i + 4, magic ? integralToI32(b) : wasm_i32x4_trunc_sat_f32x4(b));
    }
    quantize_codes_ref(x + i, n - i, scale, zp, qmin, qmax, out + i);
    return;
  }
#endif
  quantize_codes_ref(x, n, scale, zp, qmin, qmax, out);
}

}  // namespace qwasm::kernels
