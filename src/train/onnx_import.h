// Builds a trainable Network from a loaded float32 ONNX model (the
// executor's plan: constants folded, BatchNormalization folded into Conv).
// Trainable op set: Gemm, MatMul (constant weight), Conv (group 1), Relu,
// Gelu, Erf, Add/Sub/Mul/Div (tensor or constant operand; Add's non-scalar
// constants are trainable biases), MaxPool, AveragePool, GlobalAveragePool,
// Flatten, Reshape to [batch, features], Identity/Dropout. Anything else
// throws Unsupported naming the node and listing this set.
#pragma once

#include <memory>

#include "graph/executor.h"
#include "train/network.h"

namespace qwasm::train {

std::unique_ptr<Network> networkFromOnnx(const graph::Executor& model);

const char* trainableOpList();

}  // namespace qwasm::train
