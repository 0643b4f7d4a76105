// Row-major matrix helpers for the layers' forward/backward passes, on top of
// the SIMD fp32 GEMM of kernels/gemm (C = A·Bᵀ).
#pragma once

#include <cstdint>

namespace qwasm::train {

// out[c, r] = a[r, c] for an a of rows x cols.
void transpose(const float* a, float* out, int64_t rows, int64_t cols);
// C[M,N] = A[M,K] · B[N,K]ᵀ (kernels::gemm_f32).
void gemmABt(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K);
// C[M,N] += A[M,K] · B[N,K]ᵀ, via a scratch buffer.
void gemmABtAccumulate(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K);

}  // namespace qwasm::train
