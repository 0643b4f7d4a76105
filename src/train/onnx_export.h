// Writes a Network back as a float32 ONNX model (opset 13) that loadModel,
// quantizeModel and toONNX consume: Linear -> Gemm(transB=1), Conv2d -> Conv,
// GELU -> its Erf form, pools, Flatten, elementwise ops with their constants.
// Fake-quant nodes are left out: the exported weights are the float ("latent")
// weights, from which quantization recomputes the same codes.
#pragma once

#include "io/onnx/onnx_model.h"
#include "train/network.h"

namespace qwasm::train {

io::onnx::Model networkToOnnx(Network& net, const std::string& graphName = "qwasm_trained");

}  // namespace qwasm::train
