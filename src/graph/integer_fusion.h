// Static QDQ graphs (ours and ONNX Runtime's) run their Conv / Gemm / MatMul
// layers in integers, the way ORT's QDQ transformer does:
//
//   DQ(x_q) ─┐                                      x_q ─► IntegerLayer ─► y_q
//   DQ(W_q) ─┴► Conv ─► [Relu] ─► [MaxPool|Flatten|       (requantize to Q's scale,
//               (+ bias)   Reshape|Identity]* ─► Q        clamp at Q's zero point for
//                                                          ReLU) ─► MaxPool… on codes
//
// Exact rewrites: Q is monotone, so Q(relu(v)) = max(Q(v), Q(0)) and
// Q(maxpool(v)) = maxpool(Q(v)); reshapes do not touch values. What differs
// from running the QDQ graph in float is only where rounding happens (the
// bias is added in int32 as round(b / (sx·sw)), the accumulator is scaled
// once): at most one code, rarely. A layer whose output is not quantized
// again (e.g. the logits, or a GELU input) gets the float output stage
// (bias, scales, optional ReLU) instead, so nothing dequantizes in between.
//
// Conditions: x per-tensor uint8/int8; W int8 symmetric (zero-point 0), per
// tensor or per output channel, folded from a constant DequantizeLinear;
// Gemm without transA/alpha/beta; MatMul with a 2-D constant weight (a
// following Add of a constant [N] vector becomes its bias).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "graph/integer_layer.h"
#include "graph/tensor.h"
#include "io/onnx/onnx_model.h"

namespace qwasm::graph {

// The op type of fused nodes in Executor::plan().
inline constexpr const char* kIntegerLayerOp = "QwasmIntegerLayer";

// A constant DequantizeLinear that constant folding turned into floats: what
// it read, so the integer layers can use the codes.
struct QuantizedConstant {
  Tensor codes, scale, zeroPoint;  // zeroPoint: empty shape and no bytes when absent
  bool hasZeroPoint = false;
  int64_t axis = 1;
  int64_t blockSize = 0;
};

// Rewrites `plan` in place; fused layers are returned keyed by their output
// value name. Nodes left without readers (the activations' DequantizeLinear)
// are removed, and so are constants nothing reads any more.
std::map<std::string, std::shared_ptr<const IntegerLayer>> fuseIntegerLayers(
    std::vector<io::onnx::Node>& plan, std::map<std::string, Tensor>& constants,
    const std::map<std::string, QuantizedConstant>& quantized, const std::set<std::string>& graphOutputs);

}  // namespace qwasm::graph
