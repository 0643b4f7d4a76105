#include "train/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace qwasm::train {

void checkFakeQuantDType(DType dtype, const char* arg) {
  if (!isIntegerDType(dtype) || dtypeBits(dtype) < 2 || dtypeBits(dtype) > 8) {
    throwInvalidArgument(std::string(arg) + ": fake quantization supports integer dtypes of 2..8 bits, not '" + dtypeName(dtype) + "'");
  }
}

FakeQuantizer::FakeQuantizer(FakeQuantConfig config, int64_t slots, std::string name)
    : config_(config), slots_(slots), codes_(codeRange(config.dtype, config.scheme, config.restrictRange)),
      range_(std::move(name), Tensor({slots, 2})), cached_(static_cast<size_t>(slots)) {
  checkFakeQuantDType(config.dtype, "dtype");
  if (slots < 1) throwInvalidArgument("fake quantization needs at least one slot");
  if (!(config.averaging > 0.0f && config.averaging <= 1.0f)) throwInvalidArgument("averaging must be in (0, 1]");
  range_.decay = false;
}

bool FakeQuantizer::observerLive() const { return config_.freezeAfter < 0 || steps_ < config_.freezeAfter; }

void FakeQuantizer::setRange(int64_t slot, float lo, float hi) {
  range_.value.data[static_cast<size_t>(2 * slot)] = lo;
  range_.value.data[static_cast<size_t>(2 * slot + 1)] = hi;
  initialized_ = true;
}

QParams FakeQuantizer::qparams(int64_t slot) const {
  return qparamsFromRange(lo(slot), hi(slot), config_.dtype, config_.scheme, config_.restrictRange);
}

std::vector<Param*> FakeQuantizer::params() {
  if (!config_.lsq) return {};
  return {&range_};
}

void FakeQuantizer::observe(const Tensor& x) {
  const int64_t n = x.size();
  if (n % slots_ != 0) throwInvalidArgument("fake quantization: tensor of " + std::to_string(n) + " values does not split into " + std::to_string(slots_) + " channels");
  const int64_t inner = n / slots_;
  const float c = initialized_ ? config_.averaging : 1.0f;
  for (int64_t s = 0; s < slots_; ++s) {
    const float* p = x.ptr() + s * inner;
    float lo = inner ? p[0] : 0.0f, hi = lo;
    for (int64_t i = 1; i < inner; ++i) {
      lo = std::min(lo, p[i]);
      hi = std::max(hi, p[i]);
    }
    if (!std::isfinite(lo) || !std::isfinite(hi)) throwInvalidArgument("fake quantization: non-finite value in '" + range_.name + "' (training diverged?)");
    float& l = range_.value.data[static_cast<size_t>(2 * s)];
    float& h = range_.value.data[static_cast<size_t>(2 * s + 1)];
    if (c == 1.0f) {
      l = lo;
      h = hi;
    } else {
      l += c * (lo - l);
      h += c * (hi - h);
    }
  }
  initialized_ = true;
}

void FakeQuantizer::forward(const Tensor& x, Tensor& y, bool training) {
  if (((training || observeInInference_) && observerLive()) || !initialized_) observe(x);
  if (training) ++steps_;
  y.shape = x.shape;
  y.data.resize(x.data.size());
  const int64_t inner = x.size() / slots_;
  for (int64_t s = 0; s < slots_; ++s) {
    const QParams p = qparams(s);
    cached_[static_cast<size_t>(s)] = p;
    const float* src = x.ptr() + s * inner;
    float* dst = y.ptr() + s * inner;
    for (int64_t i = 0; i < inner; ++i) dst[i] = dequantizeValue(quantizeValue(src[i], p, codes_), p);
  }
}

void FakeQuantizer::backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  const int64_t inner = x.size() / slots_;
  const bool learnRange = config_.lsq && !observerLive();
  const float qmin = static_cast<float>(codes_.qmin), qmax = static_cast<float>(codes_.qmax);
  for (int64_t s = 0; s < slots_; ++s) {
    const QParams p = cached_[static_cast<size_t>(s)];
    const float z = static_cast<float>(p.zeroPoint);
    const float* px = x.ptr() + s * inner;
    const float* pg = dy.ptr() + s * inner;
    float* pd = dx.ptr() + s * inner;
    double dS = 0, dZ = 0;
    for (int64_t i = 0; i < inner; ++i) {
      const float v = px[i] / p.scale;
      const float q = roundHalfEven(v) + z;
      if (q < qmin) {
        dS += static_cast<double>(pg[i]) * (qmin - z);
        dZ -= static_cast<double>(pg[i]) * p.scale;
      } else if (q > qmax) {
        dS += static_cast<double>(pg[i]) * (qmax - z);
        dZ -= static_cast<double>(pg[i]) * p.scale;
      } else {
        pd[i] += pg[i];
        dS += static_cast<double>(pg[i]) * (roundHalfEven(v) - v);
      }
    }
    if (!learnRange) continue;
    // LSQ gradient scale 1/sqrt(N * Qp) keeps the range's updates in step with the weights'.
    const double g = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(inner, 1)) * std::max(1.0f, std::max(std::fabs(qmax - z), std::fabs(qmin - z))));
    dS *= g;
    dZ *= g;
    float& dlo = range_.grad.data[static_cast<size_t>(2 * s)];
    float& dhi = range_.grad.data[static_cast<size_t>(2 * s + 1)];
    const float l = lo(s), h = hi(s);
    if (config_.scheme == Scheme::Symmetric) {
      const float amax = std::max(std::fabs(l), std::fabs(h));
      if (amax <= 0.0f) continue;
      const double dAmax = dS * p.scale / amax;  // s is proportional to amax
      if (std::fabs(h) >= std::fabs(l)) dhi += static_cast<float>(h >= 0 ? dAmax : -dAmax);
      else dlo += static_cast<float>(l >= 0 ? dAmax : -dAmax);
    } else {
      const double D = static_cast<double>(codes_.qmax - codes_.qmin);
      if (h > 0) dhi += static_cast<float>(dS / D);
      if (l < 0) dlo += static_cast<float>(-dS / D + dZ * (-1.0 / p.scale));
    }
  }
}

}  // namespace qwasm::train
