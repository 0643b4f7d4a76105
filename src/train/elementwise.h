// Binary elementwise ops with numpy broadcasting: Add, Sub, Mul, Div. An
// operand may be a tensor the op owns (a constant of the model, e.g. the bias
// after a MatMul or the 0.5 of GELU's Erf form); `trainable` makes that
// operand a parameter (biases are).
#pragma once

#include <optional>

#include "train/op.h"

namespace qwasm::train {

enum class Binary { Add, Sub, Mul, Div };

class BinaryOp : public Op {
 public:
  // Both operands from the graph.
  explicit BinaryOp(Binary kind) : kind_(kind) {}
  // One operand owned: `constantIndex` (0 or 1) says which side it is on.
  BinaryOp(Binary kind, std::string name, Tensor constant, int constantIndex, bool trainable);

  std::string type() const override;
  Binary kind() const { return kind_; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) override;
  std::vector<Param*> params() override;

  bool hasConstant() const { return constant_.has_value(); }
  int constantIndex() const { return constantIndex_; }
  Param& constant() { return *constant_; }
  bool trainable() const { return trainable_; }

 private:
  // The two operands as (tensor, gradient slot) with the owned one spliced in.
  Binary kind_;
  std::optional<Param> constant_;
  int constantIndex_ = 1;
  bool trainable_ = false;
};

}  // namespace qwasm::train
