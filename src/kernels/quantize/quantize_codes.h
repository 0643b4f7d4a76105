// The inner loop of integer quantization: one (scale, zero-point) applied to
// a contiguous run, q = clamp(round(x / s) + z, qmin, qmax). Both versions
// divide (not multiply by 1/s), in float32, so they agree bit for bit with
// each other and with quant/qparams.h's quantizeValue.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwasm::kernels {

void quantize_codes_ref(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, int32_t* out);
void quantize_codes(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, int32_t* out);

// Index of the first NaN/Inf in x, or n when all are finite.
size_t first_nonfinite_ref(const float* x, size_t n);
size_t first_nonfinite(const float* x, size_t n);

// Min and max of a run (n >= 1, finite values).
void minmax_f32_ref(const float* x, size_t n, float* lo, float* hi);
void minmax_f32(const float* x, size_t n, float* lo, float* hi);

// Benchmarks switch the dispatching entry points to the scalar references
// (wasm builds; native builds always run the references).
void set_simd_kernels(bool enabled);
bool simd_kernels_active();

}  // namespace qwasm::kernels
