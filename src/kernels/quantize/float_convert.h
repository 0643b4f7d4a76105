// Bulk float32 <-> fp16 / bf16 / fp8 conversion. The scalar references are
// the per-value conversions of formats/minifloat.h; the wasm SIMD versions
// reproduce them bit for bit (tests/cpp/formats_simd_test.cc), with the same
// integer bit tricks (round-to-nearest-even through a carry, subnormals
// through one float add of a power-of-two "magic" constant).
//
// 16-bit outputs/inputs are little-endian byte arrays (2 bytes per value).
// `divisor` serves scaled formats: each x is divided by it first (float32
// division, in both paths); 1 skips the division.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwasm::kernels {

enum class Fp8Kind : uint8_t { E4M3, E5M2 };

void f32_to_f16_ref(const float* x, size_t n, float divisor, uint8_t* out) noexcept;
void f32_to_f16(const float* x, size_t n, float divisor, uint8_t* out) noexcept;
void f16_to_f32_ref(const uint8_t* h, size_t n, float* out) noexcept;
void f16_to_f32(const uint8_t* h, size_t n, float* out) noexcept;

void f32_to_bf16_ref(const float* x, size_t n, float divisor, uint8_t* out) noexcept;
void f32_to_bf16(const float* x, size_t n, float divisor, uint8_t* out) noexcept;
void bf16_to_f32_ref(const uint8_t* b, size_t n, float* out) noexcept;
void bf16_to_f32(const uint8_t* b, size_t n, float* out) noexcept;

void f32_to_fp8_ref(const float* x, size_t n, Fp8Kind kind, float divisor, uint8_t* out) noexcept;
void f32_to_fp8(const float* x, size_t n, Fp8Kind kind, float divisor, uint8_t* out) noexcept;
void fp8_to_f32_ref(const uint8_t* v, size_t n, Fp8Kind kind, float* out) noexcept;
void fp8_to_f32(const uint8_t* v, size_t n, Fp8Kind kind, float* out) noexcept;

// out[i] *= s (the dequantization of scaled float formats).
void scale_f32(float* x, size_t n, float s) noexcept;

}  // namespace qwasm::kernels
