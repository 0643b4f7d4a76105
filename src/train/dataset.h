// A labelled data set in memory: samples of one shape (e.g. [1, 28, 28]),
// one integer class label each. Inputs are float32, or bytes with a scale
// (images: value = byte · byteScale), which keeps a 60 000-image set at 47 MB
// instead of 188 MB in the wasm heap.
#pragma once

#include <cstdint>
#include <vector>

#include "train/tensor.h"

namespace qwasm::train {

struct Dataset {
  Shape sampleShape;
  std::vector<float> x;          // count × prod(sampleShape), or empty when `bytes` is used
  std::vector<uint8_t> bytes;    // count × prod(sampleShape), scaled by byteScale
  float byteScale = 1.0f / 255.0f;
  std::vector<int32_t> labels;   // count

  int64_t count() const { return static_cast<int64_t>(labels.size()); }
  int64_t sampleSize() const { return graph::shapeSize(sampleShape); }
  // Throws InvalidArgument (naming `what`) when x and labels disagree.
  void validate(const char* what) const;
  // Gathers the given samples into a batch tensor [n, sampleShape...] and their labels.
  void gather(const int64_t* indices, int64_t n, Tensor& batch, std::vector<int32_t>& batchLabels) const;
};

}  // namespace qwasm::train
