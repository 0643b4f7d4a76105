#include "kernels/quantize/quantize_codes.h"

#include <algorithm>
#include <cmath>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

namespace {
bool g_simd = true;
}

void set_simd_kernels(bool enabled) { g_simd = enabled; }

bool simd_kernels_active() {
#if defined(__wasm_simd128__)
  return g_simd;
#else
  return false;
#endif
}

void quantize_codes_ref(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, int32_t* out) {
  const float z = static_cast<float>(zp), lo = static_cast<float>(qmin), hi = static_cast<float>(qmax);
  for (size_t i = 0; i < n; ++i) {
    float q = std::nearbyintf(x[i] / scale) + z;
    q = q < lo ? lo : q;
    q = q > hi ? hi : q;
    out[i] = static_cast<int32_t>(q);
  }
}

size_t first_nonfinite_ref(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) if (!std::isfinite(x[i])) return i;
  return n;
}

size_t first_nonfinite(const float* x, size_t n) {
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

void minmax_f32_ref(const float* x, size_t n, float* lo, float* hi) {
  float a = x[0], b = x[0];
  for (size_t i = 1; i < n; ++i) {
    a = x[i] < a ? x[i] : a;
    b = x[i] > b ? x[i] : b;
  }
  *lo = a;
  *hi = b;
}

void minmax_f32(const float* x, size_t n, float* lo, float* hi) {
#if defined(__wasm_simd128__)
  if (g_simd && n >= 8) {
    v128_t vlo = wasm_v128_load(x), vhi = vlo;
    size_t i = 4;
    for (; i + 4 <= n; i += 4) {
      const v128_t v = wasm_v128_load(x + i);
      vlo = wasm_f32x4_pmin(vlo, v);
      vhi = wasm_f32x4_pmax(vhi, v);
    }
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

void quantize_codes(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax, int32_t* out) {
#if defined(__wasm_simd128__)
  if (g_simd) {
    const v128_t vs = wasm_f32x4_splat(scale), vz = wasm_f32x4_splat(static_cast<float>(zp));
    const v128_t vlo = wasm_f32x4_splat(static_cast<float>(qmin)), vhi = wasm_f32x4_splat(static_cast<float>(qmax));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      v128_t a = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i), vs)), vz);
      v128_t b = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i + 4), vs)), vz);
      // pmin/pmax: the same compare-and-select as the scalar ternaries.
      a = wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, a));
      b = wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, b));
      wasm_v128_store(out + i, wasm_i32x4_trunc_sat_f32x4(a));
      wasm_v128_store(out + i + 4, wasm_i32x4_trunc_sat_f32x4(b));
    }
    quantize_codes_ref(x + i, n - i, scale, zp, qmin, qmax, out + i);
    return;
  }
#endif
  quantize_codes_ref(x, n, scale, zp, qmin, qmax, out);
}

}  // namespace qwasm::kernels
