#include "train/network.h"

#include "common/error.h"

namespace qwasm::train {

Network::Network(std::string inputName, Shape sampleShape) : sampleShape_(std::move(sampleShape)) {
  names_.push_back(std::move(inputName));
}

int Network::add(std::string name, std::unique_ptr<Op> op, std::vector<int> inputs, std::string outputName) {
  for (int v : inputs)
    if (v < 0 || v >= static_cast<int>(names_.size())) throwInvalidArgument("network: node '" + name + "' reads an unknown value");
  const int out = static_cast<int>(names_.size());
  names_.push_back(std::move(outputName));
  nodes_.push_back({std::move(name), std::move(op), std::move(inputs), out});
  output_ = out;
  return out;
}

int Network::insertAfterValue(int value, std::string name, std::unique_ptr<Op> op, std::string outputName) {
  const int out = static_cast<int>(names_.size());
  names_.push_back(std::move(outputName));
  size_t pos = 0;  // right after the producer (or first, for the input)
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].output == value) pos = i + 1;
  for (auto& n : nodes_)
    for (int& in : n.inputs)
      if (in == value) in = out;
  if (output_ == value) output_ = out;
  nodes_.insert(nodes_.begin() + static_cast<long>(pos), NetworkNode{std::move(name), std::move(op), {value}, out});
  return out;
}

void Network::setOutput(int value, const std::string& name) {
  output_ = value;
  if (!name.empty() && value != 0) names_[static_cast<size_t>(value)] = name;
}

int Network::findValue(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

const Tensor& Network::forward(const Tensor& x, bool training) {
  if (x.shape.size() != sampleShape_.size() + 1) throwInvalidArgument("input: expected [batch, " + graph::shapeString(sampleShape_) + "], got " + graph::shapeString(x.shape));
  for (size_t d = 0; d < sampleShape_.size(); ++d)
    if (x.shape[d + 1] != sampleShape_[d]) throwInvalidArgument("input: expected samples of shape " + graph::shapeString(sampleShape_) + ", got " + graph::shapeString(x.shape));
  values_.resize(names_.size());
  values_[0] = x;
  std::vector<const Tensor*> ins;
  for (auto& n : nodes_) {
    ins.clear();
    for (int v : n.inputs) ins.push_back(&values_[static_cast<size_t>(v)]);
    n.op->forward(ins, values_[static_cast<size_t>(n.output)], training);
  }
  return values_[static_cast<size_t>(output_)];
}

void Network::backward(const Tensor& dOutput) {
  if (values_.size() != names_.size()) throwInvalidArgument("network: backward() needs a forward(training) first");
  grads_.resize(names_.size());
  for (size_t v = 1; v < names_.size(); ++v) grads_[v].reset(values_[v].shape);
  Tensor& go = grads_[static_cast<size_t>(output_)];
  if (go.data.size() != dOutput.data.size()) throwInvalidArgument("network: output gradient has the wrong size");
  go.data = dOutput.data;
  std::vector<const Tensor*> ins;
  std::vector<Tensor*> dIns;
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    ins.clear();
    dIns.clear();
    for (int v : it->inputs) {
      ins.push_back(&values_[static_cast<size_t>(v)]);
      dIns.push_back(v == 0 ? nullptr : &grads_[static_cast<size_t>(v)]);
    }
    it->op->backward(ins, values_[static_cast<size_t>(it->output)], grads_[static_cast<size_t>(it->output)], dIns);
  }
}

std::vector<Param*> Network::params() {
  std::vector<Param*> out;
  for (auto& n : nodes_)
    for (Param* p : n.op->params()) out.push_back(p);
  return out;
}

int64_t Network::parameterCount() {
  int64_t c = 0;
  for (Param* p : params()) c += p->value.size();
  return c;
}

void Network::releaseBuffers() {
  values_ = {};
  grads_ = {};
  for (auto& n : nodes_) n.op->releaseCache();
}

}  // namespace qwasm::train
