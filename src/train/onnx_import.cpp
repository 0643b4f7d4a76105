#include "train/onnx_import.h"

#include <map>

#include "common/error.h"
#include "train/activations.h"
#include "train/conv2d.h"
#include "train/elementwise.h"
#include "train/linear.h"
#include "train/pooling.h"

namespace qwasm::train {

using io::onnx::Node;

const char* trainableOpList() {
  return "Add, AveragePool, Conv, Div, Dropout, Erf, Flatten, Gelu, Gemm, GlobalAveragePool, Identity, MatMul, MaxPool, Mul, Relu, Reshape, Sub";
}

namespace {

Tensor floatTensor(const graph::Tensor& t, const std::string& what) {
  if (t.type != graph::ElemType::Float) throwUnsupported("train: " + what + " is " + graph::elemTypeName(t.type) + "; training needs float32 weights");
  Tensor out(t.shape);
  std::copy(t.data<float>(), t.data<float>() + t.size(), out.data.begin());
  return out;
}

Tensor transposed(const Tensor& a) {
  Tensor t({a.shape[1], a.shape[0]});
  for (int64_t r = 0; r < a.shape[0]; ++r)
    for (int64_t c = 0; c < a.shape[1]; ++c) t.data[static_cast<size_t>(c * a.shape[0] + r)] = a.data[static_cast<size_t>(r * a.shape[1] + c)];
  return t;
}

[[noreturn]] void unsupported(const Node& n, const std::string& why) {
  throwUnsupported("train: " + n.opType + " node '" + n.name + "': " + why);
}

Window2d windowOf(const Node& n, int64_t kh, int64_t kw) {
  Window2d w;
  w.kh = kh;
  w.kw = kw;
  const std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID") unsupported(n, "auto_pad " + autoPad + " is not supported for training (use explicit pads)");
  if (n.attrInt("ceil_mode", 0) != 0) unsupported(n, "ceil_mode=1 is not supported for training");
  auto two = [&](const char* name) {
    std::vector<int64_t> v = n.attrInts(name);
    if (v.empty()) return std::vector<int64_t>{1, 1};
    if (v.size() != 2) unsupported(n, std::string(name) + " must have 2 values (2-D only)");
    return v;
  };
  const auto s = two("strides"), d = two("dilations");
  w.sh = s[0]; w.sw = s[1]; w.dh = d[0]; w.dw = d[1];
  std::vector<int64_t> pads = n.attrInts("pads");
  if (autoPad == "VALID" || pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4) unsupported(n, "pads must have 4 values");
  w.padTop = pads[0]; w.padLeft = pads[1]; w.padBottom = pads[2]; w.padRight = pads[3];
  return w;
}

}  // namespace

std::unique_ptr<Network> networkFromOnnx(const graph::Executor& e) {
  if (e.inputs().size() != 1) throwUnsupported("train: the model must have exactly one input, it has " + std::to_string(e.inputs().size()));
  if (e.outputs().size() != 1) throwUnsupported("train: the model must have exactly one output (the logits), it has " + std::to_string(e.outputs().size()));
  const graph::GraphIO& in = e.inputs()[0];
  if (in.type != graph::ElemType::Float) throwUnsupported("train: the input must be float32");
  if (!in.hasShape || in.dims.size() < 2) throwUnsupported("train: the input '" + in.name + "' needs a declared shape [batch, ...]");
  Shape sample;
  for (size_t d = 1; d < in.dims.size(); ++d) {
    if (in.dims[d].value < 1) throwUnsupported("train: input dimension " + std::to_string(d) + " must be a fixed number");
    sample.push_back(in.dims[d].value);
  }
  auto net = std::make_unique<Network>(in.name, sample);
  std::map<std::string, int> ids{{in.name, 0}};
  const auto& consts = e.constants();
  auto isConst = [&](const std::string& name) { return consts.count(name) > 0; };
  auto value = [&](const Node& n, size_t i) {
    if (i >= n.inputs.size() || n.inputs[i].empty()) unsupported(n, "missing input " + std::to_string(i));
    auto it = ids.find(n.inputs[i]);
    if (it == ids.end()) unsupported(n, "input '" + n.inputs[i] + "' is neither computed nor a float constant");
    return it->second;
  };
  auto constant = [&](const Node& n, size_t i) { return floatTensor(consts.at(n.inputs[i]), n.opType + " node '" + n.name + "' input '" + n.inputs[i] + "'"); };
  for (const Node& n : e.plan()) {
    if (n.outputs.empty()) continue;
    const std::string& out = n.outputs[0];
    for (size_t k = 1; k < n.outputs.size(); ++k)
      if (!n.outputs[k].empty() && !(n.opType == "Dropout")) unsupported(n, "only single-output nodes are trainable");
    std::unique_ptr<Op> op;
    std::vector<int> inputs;
    const std::string& t = n.opType;
    if (t == "Gemm") {
      if (n.attrInt("transA", 0) != 0 || n.attrFloat("alpha", 1.0f) != 1.0f || n.attrFloat("beta", 1.0f) != 1.0f) unsupported(n, "needs transA=0, alpha=1, beta=1");
      if (n.inputs.size() < 2 || !isConst(n.inputs[1])) unsupported(n, "the weight (B) must be a constant");
      Tensor b = constant(n, 1);
      if (b.shape.size() != 2) unsupported(n, "B must be 2-D");
      Tensor w = n.attrInt("transB", 0) ? b : transposed(b);
      Tensor bias;
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        if (!isConst(n.inputs[2])) unsupported(n, "the bias (C) must be a constant");
        bias = constant(n, 2);
        if (bias.size() != w.shape[0]) unsupported(n, "bias must have one value per output (broadcast C is not trainable)");
        bias.shape = {w.shape[0]};
      }
      op = std::make_unique<Linear>(n.name, std::move(w), std::move(bias));
      inputs = {value(n, 0)};
    } else if (t == "MatMul") {
      if (n.inputs.size() != 2 || !isConst(n.inputs[1]) || isConst(n.inputs[0])) unsupported(n, "only x · W with a constant 2-D W is trainable");
      Tensor b = constant(n, 1);
      if (b.shape.size() != 2) unsupported(n, "W must be 2-D");
      op = std::make_unique<Linear>(n.name, transposed(b), Tensor());
      inputs = {value(n, 0)};
    } else if (t == "Conv") {
      if (n.attrInt("group", 1) != 1) unsupported(n, "grouped convolutions are not trainable");
      if (n.inputs.size() < 2 || !isConst(n.inputs[1])) unsupported(n, "the weight must be a constant");
      Tensor w = constant(n, 1);
      if (w.shape.size() != 4) unsupported(n, "only 2-D convolutions are trainable");
      Tensor bias;
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) bias = constant(n, 2);
      op = std::make_unique<Conv2d>(n.name, std::move(w), std::move(bias), windowOf(n, 1, 1));
      inputs = {value(n, 0)};
    } else if (t == "Relu" || t == "Erf" || t == "Gelu") {
      if (t == "Gelu" && n.attrString("approximate", "none") != "none") unsupported(n, "only the exact (erf) GELU is trainable");
      op = std::make_unique<ActivationOp>(t == "Relu" ? Activation::Relu : t == "Erf" ? Activation::Erf : Activation::Gelu);
      inputs = {value(n, 0)};
    } else if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div") {
      const Binary kind = t == "Add" ? Binary::Add : t == "Sub" ? Binary::Sub : t == "Mul" ? Binary::Mul : Binary::Div;
      if (n.inputs.size() != 2) unsupported(n, "needs two inputs");
      const bool c0 = isConst(n.inputs[0]), c1 = isConst(n.inputs[1]);
      if (c0 && c1) unsupported(n, "both inputs constant (should have been folded)");
      if (!c0 && !c1) {
        op = std::make_unique<BinaryOp>(kind);
        inputs = {value(n, 0), value(n, 1)};
      } else {
        const int ci = c0 ? 0 : 1;
        Tensor c = constant(n, static_cast<size_t>(ci));
        const bool trainable = kind == Binary::Add && c.size() > 1;  // a bias
        op = std::make_unique<BinaryOp>(kind, n.inputs[static_cast<size_t>(ci)], std::move(c), ci, trainable);
        inputs = {value(n, static_cast<size_t>(1 - ci))};
      }
    } else if (t == "MaxPool" || t == "AveragePool") {
      const std::vector<int64_t> ks = n.attrInts("kernel_shape");
      if (ks.size() != 2) unsupported(n, "kernel_shape must have 2 values (2-D only)");
      if (t == "MaxPool" && n.outputs.size() > 1 && !n.outputs[1].empty()) unsupported(n, "the Indices output is not supported");
      op = std::make_unique<PoolOp>(t == "MaxPool" ? Pool::Max : Pool::Average, windowOf(n, ks[0], ks[1]), n.attrInt("count_include_pad", 0) != 0);
      inputs = {value(n, 0)};
    } else if (t == "GlobalAveragePool") {
      op = std::make_unique<PoolOp>(Pool::GlobalAverage, Window2d{});
      inputs = {value(n, 0)};
    } else if (t == "Flatten") {
      if (n.attrInt("axis", 1) != 1) unsupported(n, "only axis=1 is trainable");
      op = std::make_unique<ReshapeOp>();
      inputs = {value(n, 0)};
    } else if (t == "Reshape") {
      if (n.inputs.size() < 2 || !consts.count(n.inputs[1])) unsupported(n, "the target shape must be a constant");
      const std::vector<int64_t> s = consts.at(n.inputs[1]).toInt64s();
      if (s.size() < 2 || s[0] != -1) unsupported(n, "only a reshape to [-1, ...] (batch kept) is trainable");
      Shape per(s.begin() + 1, s.end());
      for (int64_t d : per)
        if (d < 1) unsupported(n, "only a reshape to [-1, fixed dims...] is trainable");
      op = std::make_unique<ReshapeOp>(per);
      inputs = {value(n, 0)};
    } else if (t == "Identity" || t == "Dropout") {
      ids[out] = value(n, 0);  // inference-mode no-ops
      continue;
    } else {
      unsupported(n, std::string("op is not trainable. Trainable ops: ") + trainableOpList());
    }
    ids[out] = net->add(n.name, std::move(op), std::move(inputs), out);
  }
  auto o = ids.find(e.outputs()[0].name);
  if (o == ids.end()) throwUnsupported("train: the output '" + e.outputs()[0].name + "' is not computed from the input");
  net->setOutput(o->second, e.outputs()[0].name);
  return net;
}

}  // namespace qwasm::train
