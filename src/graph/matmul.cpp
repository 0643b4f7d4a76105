#include "graph/matmul.h"

#include <vector>

#include "kernels/fgemm/fgemm.h"
#include "kernels/gemm/gemm.h"

namespace qwasm::graph {

void matmulF32(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K, bool transA, bool transB) {
  // The kernel wants A [M,K] and B as [N,K] (one output per row); transposed
  // operands are copied once into that layout.
  std::vector<float> at, bt;
  if (transA) {
    at.resize(static_cast<size_t>(M * K));
    for (int64_t k = 0; k < K; ++k) for (int64_t i = 0; i < M; ++i) at[i * K + k] = a[k * M + i];
    a = at.data();
  }
  if (!transB) {
    bt.resize(static_cast<size_t>(K * N));
    for (int64_t k = 0; k < K; ++k) for (int64_t n = 0; n < N; ++n) bt[n * K + k] = b[k * N + n];
    b = bt.data();
  }
  if (M >= 8) {
    // Enough rows to pay for packing B once (N·K) into the register-blocked
    // fp32 GEMM's panels (M·N·K of work).
    const kernels::FPackedWeights packed = kernels::packFWeights(b, static_cast<size_t>(N), static_cast<size_t>(K), nullptr);
    kernels::fgemm(a, static_cast<size_t>(M), packed, c);
    return;
  }
  kernels::gemm_f32(a, b, c, static_cast<size_t>(M), static_cast<size_t>(N), static_cast<size_t>(K));
}

}  // namespace qwasm::graph
