// Fake quantization (quantize -> dequantize in float) for quantization-aware
// training, with the straight-through estimator: the gradient passes
// unchanged where the value was not clipped, and is zero where it was.
//
// The (scale, zero-point) always come from a [lo, hi] range per slot through
// quant/qparams.h (qparamsFromRange), the same call the PTQ pipeline makes, so
// the fake-quantized values are bit-identical to what quantizeModel later
// produces from the same weights / the same activation ranges.
//
// The range comes from an observer (min/max of the current tensor for
// weights; an exponential moving average of batch min/max for activations)
// that can freeze after a number of training steps. With `lsq`, the range
// becomes a learned parameter after the warm-up (LSQ: the step size is
// learned by gradient descent; here the step size is parametrised by the
// range endpoints so that a learned step size still converts exactly).
#pragma once

#include <cstdint>
#include <vector>

#include "quant/dtype.h"
#include "quant/qparams.h"
#include "train/tensor.h"

namespace qwasm::train {

struct FakeQuantConfig {
  DType dtype = DType::Int8;           // any integer dtype of 2..8 bits (signed or unsigned)
  Scheme scheme = Scheme::Symmetric;
  bool perChannel = false;             // one range per index of axis 0 (output channel)
  bool restrictRange = true;           // symmetric signed: [-(2^(b-1)-1), 2^(b-1)-1]
  bool lsq = false;                    // learn the range after the warm-up
  int64_t freezeAfter = -1;            // observer stops after this many training steps (-1: never)
  float averaging = 1.0f;              // observer EMA constant (1: the current tensor's min/max)
};

class FakeQuantizer {
 public:
  FakeQuantizer(FakeQuantConfig config, int64_t slots, std::string name);

  // y = dequantize(quantize(x)). In training mode the observer updates first
  // (while it is live), as PyTorch's FakeQuantize does.
  void forward(const Tensor& x, Tensor& y, bool training);
  // dx += STE(dy); LSQ: the range gradient.
  void backward(const Tensor& x, const Tensor& dy, Tensor& dx);

  // The learned range (LSQ) as an optimizer parameter; empty otherwise.
  std::vector<Param*> params();

  const FakeQuantConfig& config() const { return config_; }
  int64_t slots() const { return slots_; }
  bool initialized() const { return initialized_; }
  bool observerLive() const;
  int64_t steps() const { return steps_; }
  float lo(int64_t slot) const { return range_.value.data[static_cast<size_t>(2 * slot)]; }
  float hi(int64_t slot) const { return range_.value.data[static_cast<size_t>(2 * slot + 1)]; }
  void setRange(int64_t slot, float lo, float hi);
  // Weights: the observer also runs in inference mode while live, so the
  // range always belongs to the current weights (activations observe
  // training batches only).
  void setObserveInInference(bool on) { observeInInference_ = on; }
  QParams qparams(int64_t slot) const;
  CodeRange codes() const { return codes_; }

 private:
  void observe(const Tensor& x);

  FakeQuantConfig config_;
  int64_t slots_;
  CodeRange codes_;
  Param range_;       // [slots, 2]: lo, hi
  bool initialized_ = false;
  bool observeInInference_ = false;
  int64_t steps_ = 0;
  std::vector<QParams> cached_;  // qparams of the last forward
};

// Validates a fake-quant dtype (integer, 2..8 bits); throws InvalidArgument naming `arg`.
void checkFakeQuantDType(DType dtype, const char* arg);

}  // namespace qwasm::train
