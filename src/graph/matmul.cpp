#include "graph/matmul.h"

#include <algorithm>
#include <vector>

namespace qwasm::graph {

void matmulF32(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K, bool transA, bool transB) {
  std::fill(c, c + M * N, 0.0f);
  // Row-of-A times rows-of-B order (i, k, j): streams B and C contiguously, which
  // the compiler vectorises. Transposed operands are copied once into that layout.
  std::vector<float> at, bt;
  if (transA) {
    at.resize(static_cast<size_t>(M * K));
    for (int64_t k = 0; k < K; ++k) for (int64_t i = 0; i < M; ++i) at[i * K + k] = a[k * M + i];
    a = at.data();
  }
  if (transB) {
    bt.resize(static_cast<size_t>(K * N));
    for (int64_t n = 0; n < N; ++n) for (int64_t k = 0; k < K; ++k) bt[k * N + n] = b[n * K + k];
    b = bt.data();
  }
  for (int64_t i = 0; i < M; ++i) {
    float* ci = c + i * N;
    const float* ai = a + i * K;
    for (int64_t k = 0; k < K; ++k) {
      const float aik = ai[k];
      const float* bk = b + k * N;
      for (int64_t j = 0; j < N; ++j) ci[j] += aik * bk[j];
    }
  }
}

}  // namespace qwasm::graph
