// A differentiable operation of the training graph. forward() computes the
// output (and, when training, keeps what backward needs); backward()
// ACCUMULATES (+=) the gradients of the inputs that need one (dIn[i] may be
// null) and of the op's own parameters.
#pragma once

#include <string>
#include <vector>

#include "train/tensor.h"

namespace qwasm::train {

class Op {
 public:
  virtual ~Op() = default;
  virtual std::string type() const = 0;
  virtual void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) = 0;
  virtual void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) = 0;
  virtual std::vector<Param*> params() { return {}; }
  // Drops cached intermediates (called when training ends or is cancelled).
  virtual void releaseCache() {}
};

}  // namespace qwasm::train
