// Optimizers over a set of Params: SGD with (optionally Nesterov-free, heavy
// ball) momentum and Adam; decoupled-from-bias L2 weight decay (applied to
// params with decay = true). step() applies the accumulated gradients and
// clears them.
#pragma once

#include <cstdint>
#include <vector>

#include "train/tensor.h"

namespace qwasm::train {

enum class OptimizerKind { Sgd, Adam };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Adam;
  float learningRate = 1e-3f;
  float momentum = 0.9f;        // SGD
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // Adam
  float weightDecay = 0.0f;
};

class Optimizer {
 public:
  Optimizer(OptimizerConfig config, std::vector<Param*> params);
  // One update with learning rate `lr` (the schedule's current value).
  void step(float lr);
  void step() { step(config_.learningRate); }
  void zeroGrad();
  const OptimizerConfig& config() const { return config_; }
  int64_t steps() const { return t_; }

 private:
  OptimizerConfig config_;
  std::vector<Param*> params_;
  int64_t t_ = 0;
};

OptimizerKind parseOptimizer(const std::string& name);

}  // namespace qwasm::train
