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

void gemm_s8s8_s32_ref(const int8_t* a, const int8_t* b, int32_t* c, size_t M, size_t N, size_t K) {
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      int32_t acc = 0;
      for (size_t k = 0; k < K; ++k) acc += static_cast<int32_t>(a[m * K + k]) * b[n * K + k];
      c[m * N + n] = acc;
    }
}

static inline int32_t nibble(const uint8_t* row, size_t k) {
  const int32_t v = (k & 1) ? row[k >> 1] >> 4 : row[k >> 1] & 15;
  return v >= 8 ? v - 16 : v;
}

void gemm_s8s4_groups_ref(const int8_t* a, const uint8_t* b4, int32_t* out, size_t M, size_t N, size_t K, size_t groupSize) {
  const size_t rowBytes = (K + 1) / 2, groups = (K + groupSize - 1) / groupSize;
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      const uint8_t* row = b4 + n * rowBytes;
      for (size_t g = 0; g < groups; ++g) {
        int32_t acc = 0;
        for (size_t k = g * groupSize; k < std::min(K, (g + 1) * groupSize); ++k) acc += a[m * K + k] * nibble(row, k);
        out[(m * N + n) * groups + g] = acc;
      }
    }
}

void quantize_rows_s8_ref(const float* x, int8_t* q, float* scale, size_t M, size_t K) {
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
      q[m * K + k] = static_cast<int8_t>(v);
    }
  }
}

}  // namespace qwasm::kernels
