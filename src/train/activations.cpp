#include "train/activations.h"

#include <cmath>

namespace qwasm::train {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/sqrt(2π)
constexpr float kTwoOverSqrtPi = 1.12837916709551257f;
}  // namespace

std::string ActivationOp::type() const {
  switch (kind_) {
    case Activation::Relu: return "Relu";
    case Activation::Gelu: return "Gelu";
    default: return "Erf";
  }
}

void ActivationOp::forward(const std::vector<const Tensor*>& in, Tensor& out, bool) {
  const Tensor& x = *in[0];
  out.shape = x.shape;
  out.data.resize(x.data.size());
  const int64_t n = x.size();
  const float* px = x.ptr();
  float* py = out.ptr();
  switch (kind_) {
    case Activation::Relu:
      for (int64_t i = 0; i < n; ++i) py[i] = px[i] > 0.0f ? px[i] : 0.0f;
      break;
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) py[i] = 0.5f * px[i] * (1.0f + std::erf(px[i] * kInvSqrt2));
      break;
    case Activation::Erf:
      for (int64_t i = 0; i < n; ++i) py[i] = std::erf(px[i]);
      break;
  }
}

void ActivationOp::backward(const std::vector<const Tensor*>& in, const Tensor&, const Tensor& dy, const std::vector<Tensor*>& dIn) {
  if (!dIn[0]) return;
  const Tensor& x = *in[0];
  const int64_t n = x.size();
  const float* px = x.ptr();
  const float* g = dy.ptr();
  float* dx = dIn[0]->ptr();
  switch (kind_) {
    case Activation::Relu:
      for (int64_t i = 0; i < n; ++i) dx[i] += px[i] > 0.0f ? g[i] : 0.0f;
      break;
    case Activation::Gelu:  // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      for (int64_t i = 0; i < n; ++i) {
        const float cdf = 0.5f * (1.0f + std::erf(px[i] * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * std::exp(-0.5f * px[i] * px[i]);
        dx[i] += g[i] * (cdf + px[i] * pdf);
      }
      break;
    case Activation::Erf:
      for (int64_t i = 0; i < n; ++i) dx[i] += g[i] * kTwoOverSqrtPi * std::exp(-px[i] * px[i]);
      break;
  }
}

}  // namespace qwasm::train
