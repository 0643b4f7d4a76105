#include "train/optimizer.h"

#include <cmath>
#include <string>

#include "common/error.h"

namespace qwasm::train {

OptimizerKind parseOptimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::Sgd;
  if (name == "adam") return OptimizerKind::Adam;
  throwInvalidArgument("optimizer: unknown optimizer '" + name + "' (valid: sgd, adam)");
}

Optimizer::Optimizer(OptimizerConfig config, std::vector<Param*> params) : config_(config), params_(std::move(params)) {
  if (!(config_.learningRate > 0.0f) || !std::isfinite(config_.learningRate)) throwInvalidArgument("learningRate must be > 0");
  if (config_.momentum < 0.0f || config_.momentum >= 1.0f) throwInvalidArgument("momentum must be in [0, 1)");
  if (config_.weightDecay < 0.0f) throwInvalidArgument("weightDecay must be >= 0");
  for (Param* p : params_) {
    const size_t n = p->value.data.size();
    p->state.assign(config_.kind == OptimizerKind::Adam ? 2 : 1, std::vector<float>(n, 0.0f));
    if (p->grad.data.size() != n) p->grad.reset(p->value.shape);
  }
}

void Optimizer::zeroGrad() {
  for (Param* p : params_) p->zeroGrad();
}

void Optimizer::step(float lr) {
  ++t_;
  const float b1 = config_.beta1, b2 = config_.beta2;
  const double c1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(t_));
  const double c2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(t_));
  for (Param* p : params_) {
    const float plr = lr * p->lrScale;
    const float wd = p->decay ? config_.weightDecay : 0.0f;
    float* w = p->value.ptr();
    float* g = p->grad.ptr();
    const size_t n = p->value.data.size();
    if (config_.kind == OptimizerKind::Sgd) {
      float* v = p->state[0].data();
      for (size_t i = 0; i < n; ++i) {
        const float gi = g[i] + wd * w[i];
        v[i] = config_.momentum * v[i] + gi;
        w[i] -= plr * v[i];
      }
    } else {
      float* m = p->state[0].data();
      float* v = p->state[1].data();
      const float step = static_cast<float>(plr * std::sqrt(c2) / c1);
      for (size_t i = 0; i < n; ++i) {
        const float gi = g[i] + wd * w[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        w[i] -= step * m[i] / (std::sqrt(v[i]) + config_.epsilon);
      }
    }
    p->zeroGrad();
  }
}

}  // namespace qwasm::train
