// Elementwise ops: binary arithmetic with broadcasting, unary activations,
// comparisons and Where. float32 math; integer tensors for shape arithmetic.
#include <algorithm>
#include <cmath>

#include "graph/broadcast.h"
#include "graph/op_registry.h"

namespace qwasm::graph {

namespace {

template <class F>
void binaryFloat(OpContext& c, F f) {
  const Tensor& a = c.in(0);
  const Tensor& b = c.in(1);
  const Shape out = broadcastShapes(a.shape, b.shape, c.node.opType.c_str());
  if (a.type == ElemType::Float && b.type == ElemType::Float) {
    Tensor y(ElemType::Float, out);
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* py = y.data<float>();
    forEachBroadcast(a.shape, b.shape, out, [&](int64_t i, int64_t ia, int64_t ib) { py[i] = f(pa[ia], pb[ib]); });
    c.outputs[0] = std::move(y);
    return;
  }
  // Integer arithmetic (shape computations): int64 result of the same type.
  if (a.type != b.type) c.fail(std::string("operand types differ: ") + elemTypeName(a.type) + " vs " + elemTypeName(b.type));
  if (a.type != ElemType::Int64 && a.type != ElemType::Int32) c.fail(std::string("unsupported element type ") + elemTypeName(a.type));
  Tensor y(a.type, out);
  forEachBroadcast(a.shape, b.shape, out, [&](int64_t i, int64_t ia, int64_t ib) {
    const int64_t va = a.intAt(ia), vb = b.intAt(ib);
    int64_t r;
    if (c.node.opType == "Add") r = va + vb;
    else if (c.node.opType == "Sub") r = va - vb;
    else if (c.node.opType == "Mul") r = va * vb;
    else if (c.node.opType == "Div") {
      if (vb == 0) c.fail("integer division by zero");
      r = va / vb;
    } else r = static_cast<int64_t>(std::pow(static_cast<double>(va), static_cast<double>(vb)));
    if (y.type == ElemType::Int64) y.data<int64_t>()[i] = r;
    else y.data<int32_t>()[i] = static_cast<int32_t>(r);
  });
  c.outputs[0] = std::move(y);
}

template <class F>
void unaryFloat(OpContext& c, F f) {
  const Tensor& x = c.floatIn(0);
  Tensor y(ElemType::Float, x.shape);
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) py[i] = f(px[i]);
  c.outputs[0] = std::move(y);
}

float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
float geluTanh(float x) {
  const float k = 0.7978845608028654f;  // sqrt(2/pi)
  return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

void compare(OpContext& c) {
  const Tensor& a = c.in(0);
  const Tensor& b = c.in(1);
  const Shape out = broadcastShapes(a.shape, b.shape, c.node.opType.c_str());
  Tensor y(ElemType::Bool, out);
  const std::string& op = c.node.opType;
  forEachBroadcast(a.shape, b.shape, out, [&](int64_t i, int64_t ia, int64_t ib) {
    const float va = a.floatAt(ia), vb = b.floatAt(ib);
    bool r = op == "Equal" ? va == vb : op == "Less" ? va < vb : va > vb;
    y.data<uint8_t>()[i] = r ? 1 : 0;
  });
  c.outputs[0] = std::move(y);
}

void where(OpContext& c) {
  const Tensor& cond = c.in(0);
  const Tensor& a = c.in(1);
  const Tensor& b = c.in(2);
  if (a.type != b.type) c.fail("X and Y types differ");
  Shape out = broadcastShapes(broadcastShapes(cond.shape, a.shape, "Where"), b.shape, "Where");
  Tensor y(a.type, out);
  const auto ic = broadcastIndex(cond.shape, out), ia = broadcastIndex(a.shape, out), ib = broadcastIndex(b.shape, out);
  const size_t w = static_cast<size_t>(elemBits(a.type) / 8);
  for (size_t i = 0; i < ic.size(); ++i) {
    const bool pick = cond.intAt(ic[i]) != 0;
    const uint8_t* src = pick ? a.bytes.data() + ia[i] * w : b.bytes.data() + ib[i] * w;
    std::copy(src, src + w, y.bytes.data() + i * w);
  }
  c.outputs[0] = std::move(y);
}

}  // namespace

void registerElementwiseOps() {
  registerOp("Add", [](OpContext& c) { binaryFloat(c, [](float a, float b) { return a + b; }); });
  registerOp("Sub", [](OpContext& c) { binaryFloat(c, [](float a, float b) { return a - b; }); });
  registerOp("Mul", [](OpContext& c) { binaryFloat(c, [](float a, float b) { return a * b; }); });
  registerOp("Div", [](OpContext& c) { binaryFloat(c, [](float a, float b) { return a / b; }); });
  registerOp("Pow", [](OpContext& c) {
    binaryFloat(c, [](float a, float b) { return b == 2.0f ? a * a : b == 0.5f ? std::sqrt(a) : std::pow(a, b); });
  });
  registerOp("Relu", [](OpContext& c) { unaryFloat(c, [](float x) { return x > 0.0f ? x : 0.0f; }); });
  registerOp("LeakyRelu", [](OpContext& c) {
    const float alpha = c.node.attrFloat("alpha", 0.01f);
    unaryFloat(c, [alpha](float x) { return x >= 0.0f ? x : alpha * x; });
  });
  registerOp("Sigmoid", [](OpContext& c) { unaryFloat(c, [](float x) { return 1.0f / (1.0f + std::exp(-x)); }); });
  registerOp("Tanh", [](OpContext& c) { unaryFloat(c, [](float x) { return std::tanh(x); }); });
  registerOp("Erf", [](OpContext& c) { unaryFloat(c, [](float x) { return std::erf(x); }); });
  registerOp("Sqrt", [](OpContext& c) { unaryFloat(c, [](float x) { return std::sqrt(x); }); });
  registerOp("Exp", [](OpContext& c) { unaryFloat(c, [](float x) { return std::exp(x); }); });
  registerOp("Neg", [](OpContext& c) { unaryFloat(c, [](float x) { return -x; }); });
  registerOp("Reciprocal", [](OpContext& c) { unaryFloat(c, [](float x) { return 1.0f / x; }); });
  registerOp("Gelu", [](OpContext& c) {
    if (c.node.attrString("approximate", "none") == "tanh") unaryFloat(c, geluTanh);
    else unaryFloat(c, gelu);
  });
  registerOp("Clip", [](OpContext& c) {
    float lo = -INFINITY, hi = INFINITY;
    if (c.opset < 11) {
      lo = c.node.attrFloat("min", lo);
      hi = c.node.attrFloat("max", hi);
    } else {
      if (c.has(1) && c.inputs[1]->size() > 0) lo = c.inputs[1]->floatAt(0);
      if (c.has(2) && c.inputs[2]->size() > 0) hi = c.inputs[2]->floatAt(0);
    }
    unaryFloat(c, [lo, hi](float x) { return std::min(std::max(x, lo), hi); });
  });
  auto identity = [](OpContext& c) { c.outputs[0] = c.in(0); };
  registerOp("Identity", identity);
  registerOp("Dropout", [](OpContext& c) {  // inference: identity (+ an all-true mask if asked)
    c.outputs[0] = c.in(0);
    if (c.outputs.size() > 1) {
      Tensor mask(ElemType::Bool, c.in(0).shape);
      std::fill(mask.bytes.begin(), mask.bytes.end(), 1);
      c.outputs[1] = std::move(mask);
    }
  });
  registerOp("Equal", compare);
  registerOp("Less", compare);
  registerOp("Greater", compare);
  registerOp("Where", where);
}

}  // namespace qwasm::graph
