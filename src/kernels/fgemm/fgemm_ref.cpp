// Weight packing and the scalar reference of the packed fp32 GEMM (fgemm.h).
#include "common/error.h"
#include "kernels/fgemm/fgemm.h"

namespace qwasm::kernels {

FPackedWeights packFWeights(const float* w, size_t N, size_t K, const float* bias) {
  if (N == 0 || K == 0) throwInvalidArgument("weights: N and K must be >= 1");
  FPackedWeights p;
  p.N = N;
  p.K = K;
  p.panels.assign((N + 7) / 8 * 8 * K, 0.0f);
  for (size_t n = 0; n < N; ++n)
    for (size_t k = 0; k < K; ++k) p.panels[(n / 8) * 8 * K + k * 8 + n % 8] = w[n * K + k];
  p.bias.assign(N, 0.0f);
  if (bias) p.bias.assign(bias, bias + N);
  return p;
}

void fgemm_ref(const float* a, size_t M, const FPackedWeights& w, float* y) {
  const size_t N = w.N, K = w.K;
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      const float* panel = w.panels.data() + (n / 8) * 8 * K + n % 8;
      float acc = 0.0f;
      for (size_t k = 0; k < K; ++k) acc = acc + a[m * K + k] * panel[k * 8];
      y[m * N + n] = acc + w.bias[n];
    }
}

}  // namespace qwasm::kernels
