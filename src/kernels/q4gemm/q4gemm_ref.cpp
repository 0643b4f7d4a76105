// Scalar reference of the 4-bit weight-only GEMM: the formulas of q4gemm.h
// computed straight from the int8 activations and the codes read back from
// the packed panels (independent of the SIMD activation form).
#include <algorithm>
#include <vector>

#include "kernels/q4gemm/q4gemm.h"

namespace qwasm::kernels {

void q4gemm_ref(const int8_t* a, size_t M, const float* rowScale, const Q4PackedWeights& w, float* y) {
  const size_t N = w.N, K = w.K, G = w.groups, gs = w.groupSize;
  std::vector<uint8_t> u(K);
  std::vector<float> f(M);
  for (size_t n = 0; n < N; ++n) {
    for (size_t k = 0; k < K; ++k) u[k] = w.code(n, k);
    std::fill(f.begin(), f.end(), 0.0f);
    for (size_t g = 0; g < G; ++g) {
      const size_t k0 = g * gs, k1 = k0 + std::min(gs, K - k0);
      const int32_t z = w.zeroPoint(n, g);
      const float s = w.scaleOf(n, g);
      for (size_t m = 0; m < M; ++m) {
        const int8_t* row = a + m * K;
        int32_t dot = 0, asum = 0;
        for (size_t k = k0; k < k1; ++k) {
          dot += row[k] * static_cast<int32_t>(u[k]);
          asum += row[k];
        }
        const int32_t acc = dot - z * asum;
        const float t = static_cast<float>(acc) * s;  // one rounded multiply, then one rounded add
        f[m] = f[m] + t;
      }
    }
    for (size_t m = 0; m < M; ++m) {
      const float t = f[m] * (rowScale ? rowScale[m] : 1.0f);
      y[m * N + n] = t + w.bias[n];
    }
  }
}

}  // namespace qwasm::kernels
