// Runs an ONNX graph in float32 (and integer ops of quantized graphs).
// Loading validates every op, sorts nodes topologically, folds constant
// subgraphs (shape arithmetic, Constant nodes) and folds BatchNormalization
// into the Conv before it; running frees each intermediate after its last use.
#pragma once

#include <map>
#include <string>
#include <vector>

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
  int64_t opset = 0;
  std::string producer;
};

class Executor {
 public:
  explicit Executor(io::onnx::Model model);

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

 private:
  void sortAndValidate();
  void foldConstants();
  void foldBatchNorms();
  void computeLastUses();

  io::onnx::Model model_;
  std::map<std::string, Tensor> constants_;
  std::vector<io::onnx::Node> plan_;
  std::vector<std::vector<std::string>> freeAfter_;  // per plan step: values to drop
  std::vector<GraphIO> inputs_, outputs_;
  GraphSummary summary_;
};

}  // namespace qwasm::graph
