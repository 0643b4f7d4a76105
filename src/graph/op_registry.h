// Operator implementations of the executor, looked up by ONNX op type.
// Each op family registers itself from one file under graph/ops/ (explicit
// calls, not static constructors: a static library would drop those).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/tensor.h"
#include "io/onnx/onnx_model.h"

namespace qwasm::graph {

struct OpContext {
  const io::onnx::Node& node;
  std::vector<const Tensor*> inputs;  // nullptr for omitted optional inputs
  std::vector<Tensor>& outputs;       // sized to node.outputs, filled by the op
  int64_t opset;

  size_t numInputs() const { return inputs.size(); }
  bool has(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  const Tensor& in(size_t i) const;   // throws naming the node when missing
  const Tensor& floatIn(size_t i) const;  // ... and when not float32
  [[noreturn]] void fail(const std::string& message) const;  // InvalidArgument naming node + op
};

using OpFn = std::function<void(OpContext&)>;

void registerOp(const std::string& opType, OpFn fn);
const OpFn* findOp(const std::string& opType);
// "Add, AveragePool, ..." for error messages.
std::string supportedOpList();

// One per file under graph/ops/.
void registerElementwiseOps();
void registerLinearOps();
void registerConvPoolOps();
void registerShapeOps();
void registerNormalizationOps();
void registerQuantOps();

}  // namespace qwasm::graph
