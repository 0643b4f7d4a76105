// Quantization-aware training: attaches fake quantization to a Network and
// says how to convert the trained network exactly.
//   weights:     a FakeQuantizer on every Linear/Conv weight (per tensor or
//                per output channel, min/max of the current weight by
//                default — the same range PTQ takes from the final weight)
//   activations: a FakeQuantOp in front of every Linear/Conv input — where
//                static PTQ puts its QuantizeLinear/DequantizeLinear pair —
//                with a moving-average observer frozen after a warm-up
// Conversion: quantizeOptions() gives the PtqOptions under which
// ptq::quantizeModel of the exported (float, latent-weight) model computes
// the same weight codes and scales and uses the frozen activation ranges,
// so the QDQ model reproduces the fake-quant network.
#pragma once

#include <set>
#include <string>

#include "ptq/model_quantizer.h"
#include "train/fake_quant.h"
#include "train/network.h"

namespace qwasm::train {

struct QatConfig {
  bool quantizeWeights = true;
  FakeQuantConfig weights;       // dtype, scheme, perChannel, restrictRange, lsq, freezeAfter
  bool quantizeActivations = false;
  FakeQuantConfig activations;   // defaults set by defaultActivationConfig()
  std::set<std::string> exclude; // node names kept in float
};

// uint8 asymmetric, full range, EMA 0.01, frozen after 200 steps.
FakeQuantConfig defaultActivationConfig();

// Adds the fake-quant nodes (call once, before training). Throws on invalid
// configurations (non-integer dtypes, a network already prepared).
void prepareQat(Network& net, const QatConfig& config);

// The PtqOptions that convert the QAT network exactly (see above). Throws
// Unsupported for settings whose conversion cannot be exact: activations
// other than uint8/int8, per-tensor or asymmetric weights together with
// activations (static PTQ uses symmetric per-channel weights), LSQ weights.
ptq::PtqOptions quantizeOptions(Network& net, const QatConfig& config);

}  // namespace qwasm::train
