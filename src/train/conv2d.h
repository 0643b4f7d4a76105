// 2-D convolution over NCHW (ONNX Conv, group 1): im2col + the SIMD GEMM
// forward, GEMMs + col2im backward. Weight [out, in, kh, kw]; optional
// weight FakeQuantizer (per output channel = axis 0) as in Linear.
#pragma once

#include <memory>

#include "train/fake_quant.h"
#include "train/op.h"
#include "train/window.h"

namespace qwasm::train {

class Conv2d : public Op {
 public:
  Conv2d(std::string name, Tensor weight, Tensor bias, Window2d window);

  std::string type() const override { return "Conv2d"; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) override;
  std::vector<Param*> params() override;
  void releaseCache() override { colT_ = {}; wEff_ = Tensor(); }

  Param& weight() { return weight_; }
  Param& bias() { return bias_; }
  bool hasBias() const { return hasBias_; }
  const Window2d& window() const { return win_; }
  void setWeightQuantizer(std::unique_ptr<FakeQuantizer> q) {
    wq_ = std::move(q);
    if (wq_) wq_->setObserveInInference(true);
  }
  FakeQuantizer* weightQuantizer() const { return wq_.get(); }

 private:
  Param weight_, bias_;
  bool hasBias_;
  Window2d win_;
  std::unique_ptr<FakeQuantizer> wq_;
  Tensor wEff_;
  std::vector<float> colT_;  // [N*P, K] patches of the last training forward
};

}  // namespace qwasm::train
