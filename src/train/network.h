// A trainable graph: one float input, nodes in topological order (each an Op
// reading value ids and writing one value), one output (the logits).
// forward() keeps every value for backward(), which runs the ops in reverse
// and accumulates gradients into each op's parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/op.h"

namespace qwasm::train {

struct NetworkNode {
  std::string name;
  std::unique_ptr<Op> op;
  std::vector<int> inputs;  // value ids
  int output = -1;
};

class Network {
 public:
  explicit Network(std::string inputName, Shape sampleShape);

  // Appends a node; returns its output value id.
  int add(std::string name, std::unique_ptr<Op> op, std::vector<int> inputs, std::string outputName);
  // Inserts a single-input node between `value` and all its current readers;
  // returns the new value id. (QAT puts its activation fake-quant nodes here.)
  int insertAfterValue(int value, std::string name, std::unique_ptr<Op> op, std::string outputName);
  // Marks the output; a non-empty `name` renames that value (the graph output's name).
  void setOutput(int value, const std::string& name = "");

  int inputValue() const { return 0; }
  int outputValue() const { return output_; }
  const std::string& valueName(int v) const { return names_[static_cast<size_t>(v)]; }
  int findValue(const std::string& name) const;  // -1 when absent
  const Shape& sampleShape() const { return sampleShape_; }
  const std::vector<NetworkNode>& nodes() const { return nodes_; }
  std::vector<NetworkNode>& nodes() { return nodes_; }

  // x: [N, sampleShape...]. Returns the output value (valid until the next call).
  const Tensor& forward(const Tensor& x, bool training);
  // After a training forward: propagates dOutput back through the graph.
  void backward(const Tensor& dOutput);
  std::vector<Param*> params();
  int64_t parameterCount();
  // Frees activations, gradients and op caches (end of training, cancellation).
  void releaseBuffers();

 private:
  std::vector<NetworkNode> nodes_;
  std::vector<std::string> names_;
  Shape sampleShape_;
  int output_ = 0;
  std::vector<Tensor> values_, grads_;
};

}  // namespace qwasm::train
