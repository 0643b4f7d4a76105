// Fully connected layer y = x · Wᵀ + b (ONNX Gemm with transB=1), W [out, in].
// With a weight FakeQuantizer attached (QAT) the forward pass uses the
// fake-quantized weight and the straight-through estimator routes its
// gradient back to the float weight.
#pragma once

#include <memory>

#include "train/fake_quant.h"
#include "train/op.h"

namespace qwasm::train {

class Linear : public Op {
 public:
  // weight [out, in]; bias [out] or empty shape (no bias).
  Linear(std::string name, Tensor weight, Tensor bias);

  std::string type() const override { return "Linear"; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) override;
  std::vector<Param*> params() override;
  void releaseCache() override { wEff_ = Tensor(); }

  Param& weight() { return weight_; }
  Param& bias() { return bias_; }
  bool hasBias() const { return hasBias_; }
  void setWeightQuantizer(std::unique_ptr<FakeQuantizer> q) {
    wq_ = std::move(q);
    if (wq_) wq_->setObserveInInference(true);
  }
  FakeQuantizer* weightQuantizer() const { return wq_.get(); }

 private:
  Param weight_, bias_;
  bool hasBias_;
  std::unique_ptr<FakeQuantizer> wq_;
  Tensor wEff_;  // the weight the forward pass used
};

}  // namespace qwasm::train
