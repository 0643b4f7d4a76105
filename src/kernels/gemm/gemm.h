// GEMM kernels of the form C[M,N] = A[M,K] · B[N,K]ᵀ (B holds one output
// channel per row: the layout of Linear/Gemm weights). Each kernel has a
// scalar reference (`*_ref`) beside the dispatching entry point; on wasm
// with SIMD128 the entry point runs the SIMD version, elsewhere the
// reference. Raw pointers, no allocation, row-major, no aliasing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwasm::kernels {

// float32: C = A·Bᵀ.
void gemm_f32_ref(const float* a, const float* b, float* c, size_t M, size_t N, size_t K);
void gemm_f32(const float* a, const float* b, float* c, size_t M, size_t N, size_t K);

// Symmetric int8 quantization of each row of x [M,K] (restricted range):
// scale[m] = max|x[m]| / 127 (1 when the row is zero), q = round(x / s).
void quantize_rows_s8_ref(const float* x, int8_t* q, float* scale, size_t M, size_t K);
void quantize_rows_s8(const float* x, int8_t* q, float* scale, size_t M, size_t K);
// The same codes widened to int16 rows of ld ≥ K (k ≥ K zero): the operand
// of qgemm_a16, so the dynamic int8 GEMM needs no separate widening pass.
void quantize_rows_s16_ref(const float* x, int16_t* q, size_t ld, float* scale, size_t M, size_t K);
void quantize_rows_s16(const float* x, int16_t* q, size_t ld, float* scale, size_t M, size_t K);

}  // namespace qwasm::kernels
