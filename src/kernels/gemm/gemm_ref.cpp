// Scalar references of the GEMM kernels: the definition the SIMD versions
// must match (exactly for integers).
#include <algorithm>
#include <cmath>

#include "kernels/gemm/gemm.h"

namespace qwasm::kernels {

void gemm_f32_ref(const float* a, const float* b, float* c, size_t M, size_t N, size_t K) {
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (size_t k = 0; k < K; ++k) acc += a[m * K + k] * b[n * K + k];
      c[m * N + n] = acc;
    }
}

namespace {

template <typename Out>
void quantizeRowsRef(const float* x, Out* q, size_t ld, float* scale, size_t M, size_t K) {
  for (size_t m = 0; m < M; ++m) {
    const float* row = x + m * K;
    float amax = 0.0f;
    for (size_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(row[k]));
    const float s = amax > 0.0f ? amax / 127.0f : 1.0f;
    const float inv = 1.0f / s;  // multiply by the reciprocal (SPEC allows it); SIMD does the same
    scale[m] = s;
    for (size_t k = 0; k < K; ++k) {
      float v = std::nearbyintf(row[k] * inv);
      v = std::min(127.0f, std::max(-127.0f, v));
      q[m * ld + k] = static_cast<Out>(v);
    }
    for (size_t k = K; k < ld; ++k) q[m * ld + k] = 0;
  }
}

}  // namespace

void quantize_rows_s8_ref(const float* x, int8_t* q, float* scale, size_t M, size_t K) { quantizeRowsRef(x, q, K, scale, M, K); }

void quantize_rows_s16_ref(const float* x, int16_t* q, size_t ld, float* scale, size_t M, size_t K) {
  quantizeRowsRef(x, q, ld, scale, M, K);
}

}  // namespace qwasm::kernels
