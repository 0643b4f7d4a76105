#include "nn/linear.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "common/error.h"
#include "kernels/gemm/gemm.h"
#include "kernels/quantize/quantize_codes.h"
#include "quant/qparams.h"

namespace qwasm::nn {

Linear::Linear(const float* w, size_t N, size_t K, const float* bias, LinearKind kind, size_t groupSize)
    : N_(N), K_(K), kind_(kind) {
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
    // Per group along K: int4 symmetric (codes q + 8 in [1, 15], z = 8) or
    // uint4 asymmetric (SPEC: the range widened to contain 0, z in [0, 15]).
    const bool asym = kind == LinearKind::UInt4;
    const size_t groups = (K + groupSize - 1) / groupSize;
    std::vector<uint8_t> codes(N * K), zeros(asym ? N * groups : 0);
    std::vector<float> scales(N * groups);
    const DType dtype = asym ? DType::UInt4 : DType::Int4;
    const CodeRange r = codeRange(dtype, asym ? Scheme::Asymmetric : Scheme::Symmetric, true);
    for (size_t n = 0; n < N; ++n)
      for (size_t g = 0; g < groups; ++g) {
        const size_t k0 = g * groupSize, k1 = std::min(K, k0 + groupSize);
        const float* row = w + n * K;
        float lo = row[k0], hi = row[k0];
        for (size_t k = k0; k < k1; ++k) { lo = std::min(lo, row[k]); hi = std::max(hi, row[k]); }
        const QParams p = asym ? asymmetricQParams(lo, hi, dtype) : symmetricQParams(std::max(std::fabs(lo), std::fabs(hi)), dtype, true);
        scales[n * groups + g] = p.scale;
        if (asym) zeros[n * groups + g] = static_cast<uint8_t>(p.zeroPoint);
        const int32_t offset = asym ? 0 : 8;
        for (size_t k = k0; k < k1; ++k) codes[n * K + k] = static_cast<uint8_t>(quantizeValue(row[k], p, r) + offset);
      }
    q4_ = kernels::packQ4Weights(codes.data(), N, K, groupSize, scales.data(), asym ? zeros.data() : nullptr, bias_.data());
    bias_ = {};  // held (padded) by q4_
  }
}

size_t Linear::weightBytes() const {
  return f32_.panels.size() * 4 + q8_.panels.size() + q4_.bytes() + wscale_.size() * 4 + bias_.size() * 4;
}

void Linear::forward(const float* x, size_t M, float* y) const {
  if (const size_t bad = kernels::first_nonfinite(x, M * K_); bad < M * K_) {
    throwInvalidArgument("x: non-finite value at index " + std::to_string(bad));
  }
  if (kind_ == LinearKind::F32) {
    kernels::fgemm(x, M, f32_, y);
    return;
  }
  std::vector<float> xs(M);
  if (kind_ == LinearKind::Int8) {
    // Rows quantized straight into the int16 operand of the packed GEMM;
    // y = float(acc) · (xs[m] · ws[n]) + bias[n], fused into its output stage.
    std::unique_ptr<int16_t[]> xq(new int16_t[M * q8_.Kp]);  // every value written, padding included
    kernels::quantize_rows_s16(x, xq.get(), q8_.Kp, xs.data(), M, K_);
    kernels::QActivation aq;
    aq.type = kernels::QType::S8;
    aq.rowScale = xs.data();
    kernels::qgemm_a16(xq.get(), M, aq, q8_, y, kernels::QOutput{});
    return;
  }
  std::vector<int8_t> xq(M * K_);
  kernels::quantize_rows_s8(x, xq.data(), xs.data(), M, K_);
  // y = (Σ_g float(acc_g) · s[n, g]) · xs[m] + bias[n] (kernels/q4gemm).
  kernels::q4gemm(xq.data(), M, xs.data(), q4_, y);
}

}  // namespace qwasm::nn
