#include "nn/linear.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "kernels/gemm/gemm.h"
#include "quant/qparams.h"

namespace qwasm::nn {

Linear::Linear(const float* w, size_t N, size_t K, const float* bias, LinearKind kind, size_t groupSize)
    : N_(N), K_(K), groupSize_(groupSize), kind_(kind) {
  if (N == 0 || K == 0) throwInvalidArgument("shape: N and K must be >= 1");
  if (groupSize == 0) throwInvalidArgument("groupSize must be >= 1");
  for (size_t i = 0; i < N * K; ++i) {
    if (!std::isfinite(w[i])) throwInvalidArgument("weight: non-finite value at index " + std::to_string(i));
  }
  bias_.assign(N, 0.0f);
  if (bias) std::copy(bias, bias + N, bias_.begin());
  if (kind == LinearKind::F32) {
    f32_ = kernels::packFWeights(w, N, K, bias_.data());
  } else if (kind == LinearKind::Int8) {
    std::vector<int8_t> w8(N * K);
    wscale_.resize(N);
    const CodeRange r = codeRange(DType::Int8, Scheme::Symmetric, true);
    for (size_t n = 0; n < N; ++n) {
      float amax = 0.0f;
      for (size_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(w[n * K + k]));
      const QParams p = symmetricQParams(amax, DType::Int8, true);
      wscale_[n] = p.scale;
      for (size_t k = 0; k < K; ++k) w8[n * K + k] = static_cast<int8_t>(quantizeValue(w[n * K + k], p, r));
    }
    q8_ = kernels::packQWeights(w8.data(), N, K, wscale_.data(), N, nullptr, bias_.data());
  } else {
    groups_ = (K + groupSize - 1) / groupSize;
    const size_t rowBytes = (K + 1) / 2;
    w4_.assign(N * rowBytes, 0);
    wscale_.resize(N * groups_);
    const CodeRange r = codeRange(DType::Int4, Scheme::Symmetric, true);
    for (size_t n = 0; n < N; ++n)
      for (size_t g = 0; g < groups_; ++g) {
        const size_t k0 = g * groupSize, k1 = std::min(K, k0 + groupSize);
        float amax = 0.0f;
        for (size_t k = k0; k < k1; ++k) amax = std::max(amax, std::fabs(w[n * K + k]));
        const QParams p = symmetricQParams(amax, DType::Int4, true);
        wscale_[n * groups_ + g] = p.scale;
        for (size_t k = k0; k < k1; ++k) {
          const uint8_t nib = static_cast<uint8_t>(quantizeValue(w[n * K + k], p, r) & 15);
          w4_[n * rowBytes + k / 2] |= static_cast<uint8_t>((k & 1) ? nib << 4 : nib);
        }
      }
  }
}

size_t Linear::weightBytes() const {
  return f32_.panels.size() * 4 + q8_.panels.size() + w4_.size() + wscale_.size() * 4 + bias_.size() * 4;
}

void Linear::forward(const float* x, size_t M, float* y) const {
  for (size_t i = 0; i < M * K_; ++i) {
    if (!std::isfinite(x[i])) throwInvalidArgument("x: non-finite value at index " + std::to_string(i));
  }
  if (kind_ == LinearKind::F32) {
    kernels::fgemm(x, M, f32_, y);
    return;
  }
  std::vector<int8_t> xq(M * K_);
  std::vector<float> xs(M);
  kernels::quantize_rows_s8(x, xq.data(), xs.data(), M, K_);
  if (kind_ == LinearKind::Int8) {
    // y = float(acc) · (xs[m] · ws[n]) + bias[n], fused into the packed GEMM.
    kernels::QActivation aq;
    aq.type = kernels::QType::S8;
    aq.rowScale = xs.data();
    kernels::qgemm(xq.data(), M, aq, q8_, y, kernels::QOutput{});
    return;
  }
  std::vector<int32_t> acc(M * N_ * groups_);
  kernels::gemm_s8s4_groups(xq.data(), w4_.data(), acc.data(), M, N_, K_, groupSize_);
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N_; ++n) {
      float s = 0.0f;
      const int32_t* a = acc.data() + (m * N_ + n) * groups_;
      const float* ws = wscale_.data() + n * groups_;
      for (size_t g = 0; g < groups_; ++g) s += static_cast<float>(a[g]) * ws[g];
      y[m * N_ + n] = s * xs[m] + bias_[n];
    }
}

}  // namespace qwasm::nn
