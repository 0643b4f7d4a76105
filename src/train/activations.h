// Pointwise activations: ReLU, GELU (exact, erf form) and Erf itself (GELU
// exported by PyTorch at opset < 20 is Div -> Erf -> Add -> Mul -> Mul).
#pragma once

#include "train/op.h"

namespace qwasm::train {

enum class Activation { Relu, Gelu, Erf };

class ActivationOp : public Op {
 public:
  explicit ActivationOp(Activation kind) : kind_(kind) {}
  std::string type() const override;
  Activation kind() const { return kind_; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) override;

 private:
  Activation kind_;
};

}  // namespace qwasm::train
