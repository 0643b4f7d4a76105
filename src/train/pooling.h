// 2-D pooling over NCHW: MaxPool (gradient to the arg-max of each window),
// AveragePool (count_include_pad as ONNX) and GlobalAveragePool.
#pragma once

#include <cstdint>

#include "train/op.h"
#include "train/window.h"

namespace qwasm::train {

enum class Pool { Max, Average, GlobalAverage };

class PoolOp : public Op {
 public:
  PoolOp(Pool kind, Window2d window, bool countIncludePad = false) : kind_(kind), win_(window), countPad_(countIncludePad) {}
  std::string type() const override;
  Pool kind() const { return kind_; }
  const Window2d& window() const { return win_; }
  bool countIncludePad() const { return countPad_; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) override;
  void releaseCache() override { argmax_ = {}; }

 private:
  Window2d effective(const Tensor& x) const;
  Pool kind_;
  Window2d win_;
  bool countPad_;
  std::vector<int32_t> argmax_;  // max pooling: flat input index per output (-1: empty window)
};

// Reshape keeping the batch axis: [N, ...] -> [N, perSample...], where
// perSample may hold one -1 (inferred). Flatten (axis 1) is perSample {-1};
// ONNX Reshape to [-1, 1, 28, 28] is perSample {1, 28, 28}.
class ReshapeOp : public Op {
 public:
  explicit ReshapeOp(Shape perSample = {-1});
  std::string type() const override { return isFlatten() ? "Flatten" : "Reshape"; }
  bool isFlatten() const { return perSample_.size() == 1 && perSample_[0] == -1; }
  const Shape& perSample() const { return perSample_; }
  void forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) override;
  void backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dOut, const std::vector<Tensor*>& dIn) override;

 private:
  Shape perSample_;
};

}  // namespace qwasm::train
