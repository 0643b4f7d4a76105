// Runs an ONNX graph in float32 (and integer ops of quantized graphs).
// Loading validates every op, sorts nodes topologically, folds constant
// subgraphs (shape arithmetic, Constant nodes) and folds BatchNormalization
// into the Conv before it; running frees each intermediate after its last use.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/integer_fusion.h"
#include "graph/tensor.h"
#include "io/onnx/onnx_model.h"

namespace qwasm::graph {

struct GraphIO {
  std::string name;
  ElemType type = ElemType::Float;
  std::vector<io::onnx::Dim> dims;  // value -1 = symbolic/unknown (symbol gives its name)
  bool hasShape = false;
};

struct GraphSummary {
  std::map<std::string, int> opCounts;  // after folding
  int64_t parameterCount = 0;           // elements of constant tensors
  int64_t parameterBytes = 0;
  int nodeCount = 0;
  int foldedNodes = 0;          // nodes removed by constant folding
  int foldedBatchNorms = 0;
  int integerLayers = 0;        // Conv/Gemm/MatMul running in integers (integer_fusion.h)
  int64_t opset = 0;
  std::string producer;
};

struct ExecutorOptions {
  // Run static QDQ layers in integers (integer_fusion.h); false runs every
  // QuantizeLinear/DequantizeLinear as written, in float (the reference).
  bool integerLayers = true;
};

class Executor {
 public:
  explicit Executor(io::onnx::Model model, ExecutorOptions options = {});

  const std::vector<GraphIO>& inputs() const { return inputs_; }
  const std::vector<GraphIO>& outputs() const { return outputs_; }
  const GraphSummary& summary() const { return summary_; }
  const io::onnx::Model& model() const { return model_; }
  // Constant tensors (initializers and folded values) by name.
  const std::map<std::string, Tensor>& constants() const { return constants_; }
  // The nodes that run, in order (after folding).
  const std::vector<io::onnx::Node>& plan() const { return plan_; }

  // Runs the graph. Every graph input must be fed; shapes are checked against
  // the declared ones (symbolic dims accept any size). Returns the outputs by
  // name; with `keepAll`, every intermediate value too (for calibration).
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& feeds, bool keepAll = false) const;

  // Shape of every value the plan produces, with -1 for dimensions that
  // follow the batch (symbolic leading input dims). Inferred by running the
  // graph on zeros with batch 1 and 2 — exact for every op the executor runs,
  // with no second set of shape rules to drift from the kernels. Empty when
  // an input has unknown non-batch dims or the zero run fails.
  std::map<std::string, Shape> inferShapes() const;

 private:
  void sortAndValidate();
  void foldConstants();
  void foldBatchNorms();
  void computeLastUses();
  Tensor runIntegerLayer(const io::onnx::Node& n, const Tensor* x) const;

  io::onnx::Model model_;
  std::map<std::string, Tensor> constants_;
  std::vector<io::onnx::Node> plan_;
  std::vector<std::vector<std::string>> freeAfter_;  // per plan step: values to drop
  std::vector<GraphIO> inputs_, outputs_;
  GraphSummary summary_;
  // Folded constant DequantizeLinear outputs -> their codes (integer fusion input).
  std::map<std::string, QuantizedConstant> quantizedConstants_;
  // Fused integer layers by output value name.
  std::map<std::string, std::shared_ptr<const IntegerLayer>> integerLayers_;
};

}  // namespace qwasm::graph
