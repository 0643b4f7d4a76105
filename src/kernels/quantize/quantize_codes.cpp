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
