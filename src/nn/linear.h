// A linear layer y = x·Wᵀ + b (W is [N, K]) on the GEMM kernels:
//   fp32: float weights, packed once into the k-major panels of kernels/fgemm
//   int8: per-output-channel symmetric int8 weights, packed once into the
//         panels of kernels/qgemm; activations quantized per row (dynamic,
//         symmetric int8), the packed GEMM's fused stage applies scales + bias
//   int4: per-group symmetric int4 weights (groups along K, codes q + 8 with
//         zero-point 8), uint4: per-group asymmetric uint4 weights (min/max
//         range widened to contain 0, zero-point in [0, 15]); both packed once
//         for kernels/q4gemm, activations quantized per row to int8 as for
//         int8 (like ONNX Runtime's MatMulNBits with accuracy_level 4)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/fgemm/fgemm.h"
#include "kernels/q4gemm/q4gemm.h"
#include "kernels/qgemm/qgemm.h"

namespace qwasm::nn {

enum class LinearKind { F32, Int8, Int4, UInt4 };

class Linear {
 public:
  Linear(const float* weight, size_t N, size_t K, const float* bias, LinearKind kind, size_t groupSize = 32);

  // x [M, K] -> y [M, N]. Throws on non-finite input (naming the index).
  void forward(const float* x, size_t M, float* y) const;

  size_t outFeatures() const { return N_; }
  size_t inFeatures() const { return K_; }
  LinearKind kind() const { return kind_; }
  // Bytes of weights + scales (+ zero-points) + bias held.
  size_t weightBytes() const;

 private:
  size_t N_, K_;
  LinearKind kind_;
  std::vector<float> bias_, wscale_;
  kernels::QPackedWeights q8_;
  kernels::FPackedWeights f32_;
  kernels::Q4PackedWeights q4_;
};

}  // namespace qwasm::nn
