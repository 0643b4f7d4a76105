#include "graph/executor.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/error.h"
#include "graph/op_registry.h"

namespace qwasm::graph {

using io::onnx::Node;

namespace {

GraphIO toIO(const io::onnx::ValueInfo& vi) { return {vi.name, vi.type, vi.dims, vi.hasShape}; }

std::string nodeLabel(const Node& n) { return n.opType + " node '" + n.name + "'"; }

// Runs one node on the given inputs and returns its outputs.
std::vector<Tensor> runNode(const Node& node, std::vector<const Tensor*> inputs, int64_t opset) {
  const OpFn* fn = findOp(node.opType);
  std::vector<Tensor> outputs(node.outputs.size());
  OpContext ctx{node, std::move(inputs), outputs, opset};
  (*fn)(ctx);
  return outputs;
}

}  // namespace

Executor::Executor(io::onnx::Model model, ExecutorOptions options) : model_(std::move(model)) {
  const auto& g = model_.graph;
  for (size_t i = 0; i < g.initializers.size(); ++i) constants_[g.initializerNames[i]] = g.initializers[i];
  // Free the model's copy of the weights: constants_ owns them now.
  model_.graph.initializers.clear();
  model_.graph.initializerNames.clear();
  for (const auto& vi : g.inputs) {
    if (!constants_.count(vi.name)) inputs_.push_back(toIO(vi));
  }
  for (const auto& vi : g.outputs) outputs_.push_back(toIO(vi));
  summary_.opset = model_.opset("");
  summary_.producer = model_.producerName;
  if (summary_.opset == 0) summary_.opset = 13;
  sortAndValidate();
  const size_t before = plan_.size();
  foldConstants();
  summary_.foldedNodes = static_cast<int>(before - plan_.size());
  foldBatchNorms();
  if (options.integerLayers) {
    std::set<std::string> graphOutputs;
    for (const auto& o : outputs_) graphOutputs.insert(o.name);
    integerLayers_ = fuseIntegerLayers(plan_, constants_, quantizedConstants_, graphOutputs);
    summary_.integerLayers = static_cast<int>(integerLayers_.size());
  }
  quantizedConstants_.clear();
  computeLastUses();
  for (const Node& n : plan_) summary_.opCounts[n.opType]++;
  summary_.nodeCount = static_cast<int>(plan_.size());
  for (const auto& [name, t] : constants_) {
    summary_.parameterCount += t.size();
    summary_.parameterBytes += static_cast<int64_t>(t.bytes.size());
  }
  for (const auto& [name, layer] : integerLayers_) {
    summary_.parameterCount += layer->parameterCount();
    summary_.parameterBytes += layer->parameterBytes();
  }
}

void Executor::sortAndValidate() {
  auto& nodes = model_.graph.nodes;
  std::vector<std::string> unknown;
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    if (n.name.empty()) n.name = n.opType + "_" + std::to_string(i);
    if (!n.domain.empty() && n.domain != "ai.onnx") {
      throwUnsupported(nodeLabel(n) + " is in domain '" + n.domain + "'; qwasm runs the standard ONNX domain. Supported ops: " + supportedOpList());
    }
    if (!findOp(n.opType)) {
      throwUnsupported("unsupported op '" + n.opType + "' (" + nodeLabel(n) + "). Supported ops: " + supportedOpList());
    }
  }
  // Kahn's algorithm over value names.
  std::set<std::string> available;
  for (const auto& [name, t] : constants_) available.insert(name);
  for (const auto& io : inputs_) available.insert(io.name);
  available.insert("");
  std::vector<bool> done(nodes.size(), false);
  size_t remaining = nodes.size();
  while (remaining > 0) {
    bool progress = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (done[i]) continue;
      const Node& n = nodes[i];
      if (!std::all_of(n.inputs.begin(), n.inputs.end(), [&](const std::string& in) { return available.count(in) > 0; })) continue;
      plan_.push_back(n);
      for (const auto& out : n.outputs) available.insert(out);
      done[i] = true;
      --remaining;
      progress = true;
    }
    if (!progress) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (done[i]) continue;
        for (const auto& in : nodes[i].inputs) {
          if (!available.count(in)) {
            throwFormat("onnx: " + nodeLabel(nodes[i]) + " reads '" + in + "', which no node, input or initializer produces (or the graph has a cycle)");
          }
        }
      }
    }
  }
  for (const auto& out : outputs_) {
    if (!available.count(out.name)) throwFormat("onnx: graph output '" + out.name + "' is never produced");
  }
  model_.graph.nodes.clear();
}

void Executor::foldConstants() {
  std::vector<Node> kept;
  for (const Node& n : plan_) {
    const bool allConst = std::all_of(n.inputs.begin(), n.inputs.end(), [&](const std::string& in) {
      return in.empty() || constants_.count(in) > 0;
    });
    if (!allConst) {
      kept.push_back(n);
      continue;
    }
    std::vector<const Tensor*> ins;
    for (const auto& in : n.inputs) ins.push_back(in.empty() ? nullptr : &constants_.at(in));
    std::vector<Tensor> outs = runNode(n, ins, summary_.opset);
    if (n.opType == "DequantizeLinear" && n.outputs.size() == 1 && ins.size() >= 2) {
      QuantizedConstant q;
      q.codes = *ins[0];
      q.scale = *ins[1];
      q.hasZeroPoint = ins.size() > 2 && ins[2];
      if (q.hasZeroPoint) q.zeroPoint = *ins[2];
      q.axis = n.attrInt("axis", 1);
      q.blockSize = n.attrInt("block_size", 0);
      quantizedConstants_[n.outputs[0]] = std::move(q);
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      if (!n.outputs[i].empty()) constants_[n.outputs[i]] = std::move(outs[i]);
    }
  }
  plan_ = std::move(kept);
  // Drop constants nothing reads any more (e.g. inputs of folded shape math).
  std::set<std::string> used;
  for (const Node& n : plan_) used.insert(n.inputs.begin(), n.inputs.end());
  for (const auto& out : outputs_) used.insert(out.name);
  for (auto it = constants_.begin(); it != constants_.end();) {
    it = used.count(it->first) ? std::next(it) : constants_.erase(it);
  }
}

void Executor::foldBatchNorms() {
  std::map<std::string, int> readers;
  for (const Node& n : plan_) for (const auto& in : n.inputs) readers[in]++;
  for (const auto& out : outputs_) readers[out.name]++;
  std::vector<bool> drop(plan_.size(), false);
  for (size_t i = 0; i < plan_.size(); ++i) {
    Node& bn = plan_[i];
    if (bn.opType != "BatchNormalization" || bn.outputs.size() != 1 || bn.inputs.size() != 5) continue;
    auto producer = std::find_if(plan_.begin(), plan_.begin() + static_cast<long>(i), [&](const Node& n) {
      return n.opType == "Conv" && n.outputs.size() == 1 && n.outputs[0] == bn.inputs[0];
    });
    if (producer == plan_.begin() + static_cast<long>(i) || readers[bn.inputs[0]] != 1) continue;
    Node& conv = *producer;
    bool allConst = constants_.count(conv.inputs[1]) > 0;
    for (size_t k = 1; k < 5; ++k) allConst = allConst && constants_.count(bn.inputs[k]) > 0;
    if (conv.inputs.size() > 2 && !conv.inputs[2].empty()) allConst = allConst && constants_.count(conv.inputs[2]) > 0;
    if (!allConst) continue;
    Tensor w = constants_.at(conv.inputs[1]);
    if (w.type != ElemType::Float) continue;
    const int64_t M = w.shape[0], per = w.size() / std::max<int64_t>(M, 1);
    const Tensor &scale = constants_.at(bn.inputs[1]), &beta = constants_.at(bn.inputs[2]);
    const Tensor &mean = constants_.at(bn.inputs[3]), &var = constants_.at(bn.inputs[4]);
    if (scale.size() != M || beta.size() != M || mean.size() != M || var.size() != M) continue;
    const float eps = bn.attrFloat("epsilon", 1e-5f);
    Tensor b(ElemType::Float, {M});
    const bool hasBias = conv.inputs.size() > 2 && !conv.inputs[2].empty();
    for (int64_t m = 0; m < M; ++m) {
      const float k = scale.data<float>()[m] / std::sqrt(var.data<float>()[m] + eps);
      for (int64_t j = 0; j < per; ++j) w.data<float>()[m * per + j] *= k;
      const float b0 = hasBias ? constants_.at(conv.inputs[2]).data<float>()[m] : 0.0f;
      b.data<float>()[m] = (b0 - mean.data<float>()[m]) * k + beta.data<float>()[m];
    }
    const std::string wName = conv.name + "/folded_weight", bName = conv.name + "/folded_bias";
    constants_[wName] = std::move(w);
    constants_[bName] = std::move(b);
    conv.inputs.resize(3);
    conv.inputs[1] = wName;
    conv.inputs[2] = bName;
    conv.outputs[0] = bn.outputs[0];
    drop[i] = true;
    summary_.foldedBatchNorms++;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < plan_.size(); ++i) if (!drop[i]) kept.push_back(std::move(plan_[i]));
  plan_ = std::move(kept);
  std::set<std::string> used;
  for (const Node& n : plan_) used.insert(n.inputs.begin(), n.inputs.end());
  for (const auto& out : outputs_) used.insert(out.name);
  for (auto it = constants_.begin(); it != constants_.end();) it = used.count(it->first) ? std::next(it) : constants_.erase(it);
}

void Executor::computeLastUses() {
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < plan_.size(); ++i) for (const auto& in : plan_[i].inputs) last[in] = i;
  std::set<std::string> keep;
  for (const auto& out : outputs_) keep.insert(out.name);
  freeAfter_.assign(plan_.size(), {});
  for (const auto& [name, step] : last) {
    if (!constants_.count(name) && !keep.count(name)) freeAfter_[step].push_back(name);
  }
  // Values produced but never read (unused optional outputs) go right away.
  for (size_t i = 0; i < plan_.size(); ++i)
    for (const auto& out : plan_[i].outputs)
      if (!out.empty() && !last.count(out) && !keep.count(out)) freeAfter_[i].push_back(out);
}

std::map<std::string, Shape> Executor::inferShapes() const {
  auto zeroRun = [&](int64_t batch, std::map<std::string, Tensor>& values) {
    std::map<std::string, Tensor> feeds;
    for (const GraphIO& io : inputs_) {
      if (!io.hasShape) return false;
      Shape shape;
      for (size_t d = 0; d < io.dims.size(); ++d) {
        const auto& dim = io.dims[d];
        if (dim.value >= 0 && dim.symbol.empty()) shape.push_back(dim.value);
        else if (d == 0) shape.push_back(batch);
        else return false;
      }
      if (!elemBits(io.type)) return false;
      feeds[io.name] = Tensor(io.type, shape);
    }
    try {
      values = run(feeds, true);
    } catch (const std::exception&) {
      return false;
    }
    return true;
  };
  std::map<std::string, Tensor> one, two;
  if (!zeroRun(1, one) || !zeroRun(2, two)) return {};
  std::map<std::string, Shape> shapes;
  for (const Node& n : plan_) {
    for (const auto& out : n.outputs) {
      auto a = one.find(out), b = two.find(out);
      if (out.empty() || a == one.end() || b == two.end()) continue;
      Shape s = a->second.shape;
      if (s.size() == b->second.shape.size()) {
        for (size_t d = 0; d < s.size(); ++d) if (s[d] != b->second.shape[d]) s[d] = -1;
      }
      shapes[out] = s;
    }
  }
  return shapes;
}

Tensor Executor::runIntegerLayer(const Node& n, const Tensor* x) const {
  if (!x) throwInvalidArgument("integer layer '" + n.name + "' has no input");
  return integerLayers_.at(n.outputs[0])->run(*x);
}

std::map<std::string, Tensor> Executor::run(const std::map<std::string, Tensor>& feeds, bool keepAll) const {
  std::map<std::string, Tensor> values;
  for (const GraphIO& io : inputs_) {
    auto it = feeds.find(io.name);
    if (it == feeds.end()) throwInvalidArgument("inputs: missing input '" + io.name + "'");
    const Tensor& t = it->second;
    if (t.type != io.type) {
      throwInvalidArgument(std::string("inputs['") + io.name + "']: expected " + elemTypeName(io.type) + ", got " + elemTypeName(t.type));
    }
    if (io.hasShape) {
      if (t.shape.size() != io.dims.size()) {
        throwInvalidArgument("inputs['" + io.name + "']: expected rank " + std::to_string(io.dims.size()) + ", got shape " + shapeString(t.shape));
      }
      for (size_t d = 0; d < io.dims.size(); ++d) {
        if (io.dims[d].value >= 0 && io.dims[d].symbol.empty() && io.dims[d].value != t.shape[d]) {
          throwInvalidArgument("inputs['" + io.name + "']: dimension " + std::to_string(d) + " must be " +
                               std::to_string(io.dims[d].value) + ", got shape " + shapeString(t.shape));
        }
      }
    }
    values[io.name] = t;
  }
  for (const auto& [name, t] : feeds) {
    if (!values.count(name)) throwInvalidArgument("inputs: '" + name + "' is not an input of this model");
  }
  auto lookup = [&](const std::string& name) -> const Tensor* {
    if (name.empty()) return nullptr;
    auto v = values.find(name);
    if (v != values.end()) return &v->second;
    return &constants_.at(name);
  };
  for (size_t i = 0; i < plan_.size(); ++i) {
    const Node& n = plan_[i];
    std::vector<const Tensor*> ins;
    for (const auto& in : n.inputs) ins.push_back(lookup(in));
    std::vector<Tensor> outs;
    if (n.opType == kIntegerLayerOp) outs.push_back(runIntegerLayer(n, ins.at(0)));
    else outs = runNode(n, std::move(ins), summary_.opset);
    for (size_t k = 0; k < outs.size(); ++k) {
      if (!n.outputs[k].empty()) values[n.outputs[k]] = std::move(outs[k]);
    }
    if (!keepAll) for (const auto& name : freeAfter_[i]) values.erase(name);
  }
  if (keepAll) return values;
  std::map<std::string, Tensor> result;
  for (const GraphIO& out : outputs_) result[out.name] = *lookup(out.name);
  return result;
}

}  // namespace qwasm::graph
