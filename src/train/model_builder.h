// Freshly initialised networks for training from scratch (sample models of
// the playground): an MLP and a small CNN over flat [D] or image inputs.
// He-normal weights (ReLU/GELU fan-in), zero biases, seeded and deterministic.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/network.h"

namespace qwasm::train {

struct MlpSpec {
  int64_t inputs = 784;
  std::vector<int64_t> hidden = {128, 64};
  int64_t classes = 10;
  bool gelu = false;  // ReLU otherwise
  uint64_t seed = 1;
};

// Input [batch, H*W] reshaped to [batch, 1, H, W]; then per stage
// conv3x3(pad 1) -> ReLU -> maxpool 2x2; then flatten -> linear(classes).
struct CnnSpec {
  int64_t height = 28, width = 28;
  std::vector<int64_t> channels = {8, 16};
  int64_t classes = 10;
  uint64_t seed = 1;
};

std::unique_ptr<Network> buildMlp(const MlpSpec& spec);
std::unique_ptr<Network> buildCnn(const CnnSpec& spec);

}  // namespace qwasm::train
