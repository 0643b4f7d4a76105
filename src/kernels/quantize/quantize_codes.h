// The inner loop of integer quantization: one (scale, zero-point) applied to
// a contiguous run, q = clamp(round(x / s) + z, qmin, qmax). Both versions
// divide (not multiply by 1/s), in float32, so they agree bit for bit with
// each other and with quant/qparams.h's quantizeValue.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwasm::kernels {

void quantize_codes_ref(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, int32_t* out) noexcept;
void quantize_codes(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, int32_t* out) noexcept;

// The same codes stored as one byte each (the code's low 8 bits: two's
// complement for signed codes), ready for pack_codes(). SIMD: 16 codes per
// step, saturating narrows (exact: codes already lie in [qmin, qmax]).
void quantize_bytes_ref(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, uint8_t* out) noexcept;
void quantize_bytes(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, uint8_t* out) noexcept;

// x' = (q - z) * s for byte codes (int8 when isSigned, else uint8), exactly
// quant/qparams.h's dequantizeValue: integer subtraction, then one float
// multiply.
void dequantize_bytes_ref(const uint8_t* codes, size_t n, bool isSigned, float scale, int32_t zeroPoint, float* out) noexcept;
void dequantize_bytes(const uint8_t* codes, size_t n, bool isSigned, float scale, int32_t zeroPoint, float* out) noexcept;

// quantize -> dequantize in one pass: out = (clamp(round(x / s) + z) - z) * s,
// bit-identical to dequantize_bytes(quantize_bytes(x)).
void fake_quantize_ref(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, float* out) noexcept;
void fake_quantize(const float* x, size_t n, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax, float* out) noexcept;

// NormalFloat4 codes: the index of the QLoRA level nearest to x / s (ties to
// the lower level), one byte each.
void quantize_nf4_ref(const float* x, size_t n, float scale, uint8_t* out) noexcept;
void quantize_nf4(const float* x, size_t n, float scale, uint8_t* out) noexcept;

// Index of the first NaN/Inf in x, or n when all are finite.
size_t first_nonfinite_ref(const float* x, size_t n) noexcept;
size_t first_nonfinite(const float* x, size_t n) noexcept;

// Min and max of a run (n >= 1, finite values).
void minmax_f32_ref(const float* x, size_t n, float* lo, float* hi) noexcept;
void minmax_f32(const float* x, size_t n, float* lo, float* hi) noexcept;

// Benchmarks switch the dispatching entry points to the scalar references
// (wasm builds; native builds always run the references).
void set_simd_kernels(bool enabled) noexcept;
bool simd_kernels_active() noexcept;

}  // namespace qwasm::kernels
