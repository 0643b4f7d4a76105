// Activation fake quantization as a node of the training graph (QAT): sits in
// front of every Linear/Conv input, where static quantization puts its
// QuantizeLinear/DequantizeLinear pair. Keyed by the activation's value name.
#pragma once

#include "train/fake_quant.h"
#include "train/op.h"

namespace qwasm::train {

class FakeQuantOp : public Op {
 public:
  FakeQuantOp(FakeQuantConfig config, std::string activation) : fq_(config, 1, activation + ".range"), activation_(std::move(activation)) {}
  std::string type() const override { return "FakeQuant"; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override { fq_.forward(*in[0], out, training); }
  void backward(const std::vector<const Tensor*>& in, const Tensor&, const Tensor& dOut, const std::vector<Tensor*>& dIn) override {
    Tensor scratch;
    Tensor* dx = dIn[0];
    if (!dx) {
      scratch.reset(in[0]->shape);
      dx = &scratch;
    }
    fq_.backward(*in[0], dOut, *dx);
  }
  std::vector<Param*> params() override { return fq_.params(); }
  FakeQuantizer& quantizer() { return fq_; }
  const std::string& activation() const { return activation_; }

 private:
  FakeQuantizer fq_;
  std::string activation_;
};

}  // namespace qwasm::train
