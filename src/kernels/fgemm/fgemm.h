// fp32 GEMM on weights packed once: y[M, N] = a[M, K] · Wᵀ + bias (W [N, K]).
//
// Packed layout: ceil(N / 8) panels of K × 8 floats, k-major (panel p, step k
// holds W[8p .. 8p+7, k]); missing channels are zero. The SIMD micro-kernel
// splats one activation per row and multiplies two f32x4 weight vectors
// (4×8 tiles: 8 accumulators, no horizontal sums; 1×16 for M = 1). Every
// output is accumulated in k order with a separate multiply and add (wasm
// has no FMA), then the bias is added: the reference does the same, so the
// two agree bit for bit.
#pragma once

#include <cstddef>
#include <vector>

namespace qwasm::kernels {

struct FPackedWeights {
  size_t N = 0, K = 0;
  std::vector<float> panels;
  std::vector<float> bias;  // N values (zeros when absent)
};

FPackedWeights packFWeights(const float* w, size_t N, size_t K, const float* bias);

void fgemm(const float* a, size_t M, const FPackedWeights& w, float* y);
void fgemm_ref(const float* a, size_t M, const FPackedWeights& w, float* y);

}  // namespace qwasm::kernels
