#include "train/matrix.h"

#include <vector>

#include "kernels/gemm/gemm.h"

namespace qwasm::train {

void transpose(const float* a, float* out, int64_t rows, int64_t cols) {
  constexpr int64_t B = 32;  // blocked for cache locality
  for (int64_t r0 = 0; r0 < rows; r0 += B)
    for (int64_t c0 = 0; c0 < cols; c0 += B) {
      const int64_t r1 = r0 + B < rows ? r0 + B : rows, c1 = c0 + B < cols ? c0 + B : cols;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) out[c * rows + r] = a[r * cols + c];
    }
}

void gemmABt(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K) {
  kernels::gemm_f32(a, b, c, static_cast<size_t>(M), static_cast<size_t>(N), static_cast<size_t>(K));
}

void gemmABtAccumulate(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K) {
  std::vector<float> tmp(static_cast<size_t>(M * N));
  gemmABt(a, b, tmp.data(), M, N, K);
  for (int64_t i = 0; i < M * N; ++i) c[i] += tmp[static_cast<size_t>(i)];
}

}  // namespace qwasm::train
