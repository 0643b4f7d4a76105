#include "train/onnx_export.h"

#include <cmath>

#include "common/error.h"
#include "train/activations.h"
#include "train/conv2d.h"
#include "train/elementwise.h"
#include "train/fake_quant_op.h"
#include "train/linear.h"
#include "train/pooling.h"

namespace qwasm::train {

using io::onnx::AttrType;
using io::onnx::Attribute;
using io::onnx::Node;

namespace {

Attribute ints(const std::string& name, std::vector<int64_t> v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::Ints;
  a.ints = std::move(v);
  return a;
}

Attribute intAttr(const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::Int;
  a.i = v;
  return a;
}

std::vector<Attribute> windowAttrs(const Window2d& w, bool withKernel) {
  std::vector<Attribute> a;
  if (withKernel) a.push_back(ints("kernel_shape", {w.kh, w.kw}));
  a.push_back(ints("strides", {w.sh, w.sw}));
  a.push_back(ints("pads", {w.padTop, w.padLeft, w.padBottom, w.padRight}));
  if (w.dh != 1 || w.dw != 1) a.push_back(ints("dilations", {w.dh, w.dw}));
  return a;
}

}  // namespace

io::onnx::Model networkToOnnx(Network& net, const std::string& graphName) {
  io::onnx::Model m;
  m.irVersion = 8;
  m.opsets[""] = 13;
  m.producerName = "qwasm-train";
  m.graph.name = graphName;
  auto& g = m.graph;
  auto addConst = [&](const std::string& name, const Tensor& t) {
    for (const auto& existing : g.initializerNames)
      if (existing == name) throwInvalidArgument("export: two parameters are named '" + name + "'");
    g.initializerNames.push_back(name);
    g.initializers.push_back(graph::Tensor::fromFloats(t.shape, t.ptr()));
    return name;
  };
  auto scalar = [&](const std::string& name, float v) {
    return addConst(name, Tensor(Shape{}, v));
  };
  // Values skipped (fake-quant nodes) map to their input.
  std::vector<int> alias;
  auto nameOf = [&](int v) {
    while (v < static_cast<int>(alias.size()) && alias[static_cast<size_t>(v)] >= 0) v = alias[static_cast<size_t>(v)];
    return net.valueName(v);
  };
  for (const auto& n : net.nodes()) {
    if (static_cast<int>(alias.size()) <= n.output) alias.resize(static_cast<size_t>(n.output) + 1, -1);
    Op* op = n.op.get();
    const std::string out = net.valueName(n.output);
    std::vector<std::string> in;
    for (int v : n.inputs) in.push_back(nameOf(v));
    if (dynamic_cast<FakeQuantOp*>(op)) {
      if (n.output == net.outputValue()) throwUnsupported("export: the model output cannot be a fake-quant node");
      alias[static_cast<size_t>(n.output)] = n.inputs[0];
      continue;
    }
    if (auto* l = dynamic_cast<Linear*>(op)) {
      std::vector<std::string> ins{in[0], addConst(l->weight().name, l->weight().value)};
      if (l->hasBias()) ins.push_back(addConst(l->bias().name, l->bias().value));
      g.nodes.push_back({n.name, "Gemm", "", ins, {out}, {intAttr("transB", 1)}});
    } else if (auto* c = dynamic_cast<Conv2d*>(op)) {
      std::vector<std::string> ins{in[0], addConst(c->weight().name, c->weight().value)};
      if (c->hasBias()) ins.push_back(addConst(c->bias().name, c->bias().value));
      g.nodes.push_back({n.name, "Conv", "", ins, {out}, windowAttrs(c->window(), true)});
    } else if (auto* a = dynamic_cast<ActivationOp*>(op)) {
      if (a->kind() == Activation::Gelu) {  // x · 0.5 · (1 + erf(x / √2)), as PyTorch exports it at opset 13
        const std::string b = n.name + "/";
        g.nodes.push_back({b + "div", "Div", "", {in[0], scalar(b + "sqrt2", std::sqrt(2.0f))}, {b + "scaled"}, {}});
        g.nodes.push_back({b + "erf", "Erf", "", {b + "scaled"}, {b + "erf_out"}, {}});
        g.nodes.push_back({b + "add", "Add", "", {b + "erf_out", scalar(b + "one", 1.0f)}, {b + "one_plus"}, {}});
        g.nodes.push_back({b + "mul", "Mul", "", {in[0], b + "one_plus"}, {b + "x_times"}, {}});
        g.nodes.push_back({b + "half", "Mul", "", {b + "x_times", scalar(b + "half_c", 0.5f)}, {out}, {}});
      } else {
        g.nodes.push_back({n.name, a->type(), "", in, {out}, {}});
      }
    } else if (auto* e = dynamic_cast<BinaryOp*>(op)) {
      std::vector<std::string> ins = in;
      if (e->hasConstant()) {
        const std::string cn = addConst(e->constant().name, e->constant().value);
        ins.insert(ins.begin() + e->constantIndex(), cn);
      }
      g.nodes.push_back({n.name, e->type(), "", ins, {out}, {}});
    } else if (auto* p = dynamic_cast<PoolOp*>(op)) {
      std::vector<Attribute> attrs;
      if (p->kind() != Pool::GlobalAverage) attrs = windowAttrs(p->window(), true);
      if (p->kind() == Pool::Average && p->countIncludePad()) attrs.push_back(intAttr("count_include_pad", 1));
      g.nodes.push_back({n.name, p->type(), "", in, {out}, attrs});
    } else if (auto* r = dynamic_cast<ReshapeOp*>(op)) {
      if (r->isFlatten()) {
        g.nodes.push_back({n.name, "Flatten", "", in, {out}, {intAttr("axis", 1)}});
      } else {
        graph::Tensor shape(graph::ElemType::Int64, {static_cast<int64_t>(r->perSample().size() + 1)});
        shape.data<int64_t>()[0] = -1;
        for (size_t d = 0; d < r->perSample().size(); ++d) shape.data<int64_t>()[d + 1] = r->perSample()[d];
        const std::string sn = n.name + "/shape";
        g.initializerNames.push_back(sn);
        g.initializers.push_back(std::move(shape));
        g.nodes.push_back({n.name, "Reshape", "", {in[0], sn}, {out}, {}});
      }
    } else {
      throwUnsupported("export: op " + op->type() + " has no ONNX form");
    }
  }
  io::onnx::ValueInfo input;
  input.name = net.valueName(0);
  input.hasShape = true;
  input.dims.push_back({-1, "batch"});
  for (int64_t d : net.sampleShape()) input.dims.push_back({d, ""});
  g.inputs.push_back(input);
  io::onnx::ValueInfo output;
  output.name = nameOf(net.outputValue());
  g.outputs.push_back(output);
  return m;
}

}  // namespace qwasm::train
