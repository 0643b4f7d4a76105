// C[M,N] = op(A) · op(B) for the executor's float32 ops (Gemm, MatMul, Conv
// via im2col). One entry point, so the executor switches to the SIMD kernels
// of src/kernels/ in one place.
#pragma once

#include <cstdint>

namespace qwasm::graph {

// A is [M,K] (or [K,M] when transA), B is [K,N] (or [N,K] when transB); C is
// overwritten.
void matmulF32(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K, bool transA, bool transB);

}  // namespace qwasm::graph
