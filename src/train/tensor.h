// The float32 tensor of the training engine (NCHW, row-major) and a
// trainable parameter (value + gradient + optimizer state slots). Kept apart
// from graph::Tensor: training needs only float data and cheap resizing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace qwasm::train {

using graph::Shape;

struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s, float fill = 0.0f) : shape(std::move(s)), data(static_cast<size_t>(graph::shapeSize(shape)), fill) {}

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
  // Resizes to `s` and zero-fills (reuses the allocation).
  void reset(const Shape& s) {
    shape = s;
    data.assign(static_cast<size_t>(graph::shapeSize(s)), 0.0f);
  }
};

// A learnable tensor. `grad` is accumulated by backward passes and cleared by
// the optimizer step; `state` holds optimizer moments (momentum, Adam m/v).
struct Param {
  std::string name;
  Tensor value;
  Tensor grad;
  std::vector<std::vector<float>> state;
  float lrScale = 1.0f;       // per-parameter learning-rate multiplier (quantizer ranges)
  bool decay = true;          // weight decay applies (not to biases and ranges)

  Param() = default;
  Param(std::string n, Tensor v) : name(std::move(n)), value(std::move(v)), grad(value.shape) {}
  void zeroGrad() { std::fill(grad.data.begin(), grad.data.end(), 0.0f); }
};

}  // namespace qwasm::train
