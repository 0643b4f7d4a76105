// Softmax cross-entropy over logits [N, classes] with integer labels: the
// mean loss over the batch and its gradient with respect to the logits.
#pragma once

#include <cstdint>

#include "train/tensor.h"

namespace qwasm::train {

struct LossResult {
  double loss = 0;       // mean over the batch
  int64_t correct = 0;   // arg-max predictions equal to the label
};

// dLogits (resized to the logits' shape) = (softmax - onehot) / N. Labels
// outside [0, classes) throw InvalidArgument.
LossResult softmaxCrossEntropy(const Tensor& logits, const int32_t* labels, Tensor* dLogits);

// Index of the largest logit of each row (first one on ties).
int64_t argmaxRow(const float* row, int64_t classes);

}  // namespace qwasm::train
