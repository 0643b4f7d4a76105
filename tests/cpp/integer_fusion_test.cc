// Static QDQ graphs run their Conv/Gemm/MatMul layers in integers
// (graph/integer_fusion.h): the fused executor must agree with the same graph
// run op by op in float (ExecutorOptions{false}, the QDQ definition) — codes
// within one step, outputs within a few output steps — and fuse exactly the
// layers it should.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "graph/executor.h"

namespace qwasm::graph {
namespace {

using io::onnx::AttrType;
using io::onnx::Attribute;
using io::onnx::Model;
using io::onnx::Node;

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

struct Builder {
  Model m;
  std::mt19937 rng{7};
  Builder() { m.opsets[""] = 13; }
  void constant(const std::string& name, Tensor t) {
    m.graph.initializerNames.push_back(name);
    m.graph.initializers.push_back(std::move(t));
  }
  void node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out, std::vector<Attribute> attrs = {}) {
    m.graph.nodes.push_back({out[0] + "_node", op, "", std::move(in), std::move(out), std::move(attrs)});
  }
  std::string scalar(const std::string& name, float v) {
    constant(name, Tensor::fromFloats({}, &v));
    return name;
  }
  std::string zero(const std::string& name, ElemType t, int32_t v) {
    Tensor z(t, {});
    if (t == ElemType::UInt8) z.data<uint8_t>()[0] = static_cast<uint8_t>(v);
    else z.data<int8_t>()[0] = static_cast<int8_t>(v);
    constant(name, z);
    return name;
  }
  // x -> Q -> DQ: a quantized activation edge (per-tensor).
  std::string qdq(const std::string& x, float scale, ElemType t, int32_t zp) {
    const std::string s = scalar(x + "/s", scale), z = zero(x + "/z", t, zp);
    node("QuantizeLinear", {x, s, z}, {x + "/q"});
    node("DequantizeLinear", {x + "/q", s, z}, {x + "/dq"});
    return x + "/dq";
  }
  // Int8 symmetric per-channel weights (axis) + their DequantizeLinear.
  std::string weight(const std::string& name, Shape shape, int64_t axis) {
    Tensor codes(ElemType::Int8, shape);
    std::uniform_int_distribution<int> d(-127, 127);
    for (int64_t i = 0; i < codes.size(); ++i) codes.data<int8_t>()[i] = static_cast<int8_t>(d(rng));
    const int64_t channels = shape[static_cast<size_t>(axis)];
    Tensor scales(ElemType::Float, {channels});
    std::uniform_real_distribution<float> u(0.002f, 0.01f);
    for (int64_t c = 0; c < channels; ++c) scales.data<float>()[c] = u(rng);
    Tensor zp(ElemType::Int8, {channels});
    constant(name + "/q", codes);
    constant(name + "/s", scales);
    constant(name + "/z", zp);
    node("DequantizeLinear", {name + "/q", name + "/s", name + "/z"}, {name}, {intAttr("axis", axis)});
    return name;
  }
  std::string bias(const std::string& name, int64_t n) {
    Tensor b(ElemType::Float, {n});
    std::normal_distribution<float> nd(0.0f, 0.3f);
    for (int64_t i = 0; i < n; ++i) b.data<float>()[i] = nd(rng);
    constant(name, b);
    return name;
  }
};

Tensor input(Shape s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Tensor t(ElemType::Float, std::move(s));
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// conv(3x3, pad 1) -> relu -> maxpool -> Q/DQ -> depthwise conv -> relu -> Q/DQ
// -> flatten -> gemm(transB) -> Q/DQ -> matmul + add -> logits (float)
Model smallCnn(ElemType act) {
  Builder b;
  const int32_t zp = act == ElemType::UInt8 ? 0 : -128;
  b.m.graph.inputs.push_back({"x", ElemType::Float, {}, false});
  b.m.graph.outputs.push_back({"logits", ElemType::Float, {}, false});
  const std::string x = b.qdq("x", 1.0f / 255, act, zp);
  b.node("Conv", {x, b.weight("w1", {8, 1, 3, 3}, 0), b.bias("b1", 8)}, {"c1"}, {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})});
  b.node("Relu", {"c1"}, {"r1"});
  b.node("MaxPool", {"r1"}, {"p1"}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  const std::string p1 = b.qdq("p1", 0.02f, act, zp);
  b.node("Conv", {p1, b.weight("w2", {8, 1, 3, 3}, 0), b.bias("b2", 8)}, {"c2"},
         {ints("pads", {1, 1, 1, 1}), intAttr("group", 8), ints("strides", {2, 2})});
  b.node("Relu", {"c2"}, {"r2"});
  const std::string r2 = b.qdq("r2", 0.02f, act, zp);
  b.node("Flatten", {r2}, {"f"});
  b.node("Gemm", {"f", b.weight("w3", {16, 8 * 3 * 3}, 0), b.bias("b3", 16)}, {"g"}, {intAttr("transB", 1)});
  const std::string g = b.qdq("g", 0.05f, ElemType::Int8, 0);
  b.node("MatMul", {g, b.weight("w4", {16, 10}, 1)}, {"mm"});
  b.node("Add", {"mm", b.bias("b4", 10)}, {"logits"});
  return b.m;
}

TEST(IntegerFusion, SmallCnnRunsInIntegersAndAgreesWithTheQdqDefinition) {
  for (ElemType act : {ElemType::UInt8, ElemType::Int8}) {
    const Model m = smallCnn(act);
    const Executor fused(m), reference(m, ExecutorOptions{false});
    EXPECT_EQ(fused.summary().integerLayers, 4);
    EXPECT_EQ(reference.summary().integerLayers, 0);
    EXPECT_EQ(fused.summary().opCounts.count("DequantizeLinear"), 0u);  // nothing dequantizes in between
    EXPECT_EQ(fused.summary().opCounts.count("Relu"), 0u);
    EXPECT_EQ(fused.summary().opCounts.at("MaxPool"), 1);
    // The summary counts the weights the layers hold (as int8).
    EXPECT_GE(fused.summary().parameterCount, 8 * 9 + 8 * 9 + 16 * 72 + 16 * 10);
    EXPECT_LT(fused.summary().parameterBytes, reference.summary().parameterBytes / 2);
    const Tensor x = input({3, 1, 12, 12}, 11);
    const auto a = fused.run({{"x", x}}, true), r = reference.run({{"x", x}}, true);
    // The requantized activations (same names in both plans) differ by at most one code, rarely.
    for (const char* name : {"p1/q", "r2/q", "g/q"}) {
      const Tensor &qa = a.at(name), &qr = r.at(name);
      ASSERT_EQ(qa.type, qr.type) << name;
      ASSERT_EQ(qa.shape, qr.shape) << name;
      int64_t off = 0;
      for (int64_t i = 0; i < qa.size(); ++i) {
        const int64_t d = qa.intAt(i) - qr.intAt(i);
        EXPECT_LE(std::abs(d), 1) << name << " " << i;
        off += d != 0;
      }
      EXPECT_LE(off * 50, qa.size()) << name;  // <= 2% of the codes move
    }
    const Tensor &ya = a.at("logits"), &yr = r.at("logits");
    double maxDiff = 0, maxRef = 0;
    for (int64_t i = 0; i < ya.size(); ++i) {
      maxDiff = std::max(maxDiff, std::fabs(static_cast<double>(ya.data<float>()[i]) - yr.data<float>()[i]));
      maxRef = std::max(maxRef, std::fabs(static_cast<double>(yr.data<float>()[i])));
    }
    EXPECT_LT(maxDiff, 0.02 * maxRef + 1e-3);
  }
}

TEST(IntegerFusion, LeavesLayersThatCannotRunInIntegersToFloat) {
  Builder b;
  b.m.graph.inputs.push_back({"x", ElemType::Float, {}, false});
  b.m.graph.outputs.push_back({"y", ElemType::Float, {}, false});
  b.m.graph.outputs.push_back({"c", ElemType::Float, {}, false});
  b.m.graph.outputs.push_back({"g", ElemType::Float, {}, false});
  const std::string x = b.qdq("x", 0.01f, ElemType::UInt8, 128);
  // Float weights (weight-only / unquantized layer): stays a float Gemm.
  Tensor wf(ElemType::Float, {4, 6});
  for (int64_t i = 0; i < wf.size(); ++i) wf.data<float>()[i] = 0.1f * static_cast<float>(i % 5);
  b.constant("wf", wf);
  b.node("Gemm", {x, "wf"}, {"g"});
  // uint8 asymmetric weights: not int8 symmetric, stays float.
  Tensor codes(ElemType::UInt8, {4, 3});
  for (int64_t i = 0; i < codes.size(); ++i) codes.data<uint8_t>()[i] = static_cast<uint8_t>(i * 20);
  b.constant("wq", codes);
  b.scalar("ws", 0.01f);
  b.zero("wz", ElemType::UInt8, 100);
  b.node("DequantizeLinear", {"wq", "ws", "wz"}, {"wu"});
  b.node("MatMul", {x, "wu"}, {"y"});
  // A conv whose output is a graph output: runs in integers with a float output stage.
  b.node("Reshape", {x, "shape"}, {"x4"});
  Tensor shape(ElemType::Int64, {4});
  for (int k = 0; k < 4; ++k) shape.data<int64_t>()[k] = std::vector<int64_t>{2, 1, 1, 4}[static_cast<size_t>(k)];
  b.constant("shape", shape);
  b.node("Conv", {b.qdq("x4", 0.01f, ElemType::UInt8, 128), b.weight("wc", {2, 1, 1, 3}, 0)}, {"c"});
  const Model m = b.m;
  const Executor fused(m), reference(m, ExecutorOptions{false});
  EXPECT_EQ(fused.summary().integerLayers, 1);
  EXPECT_EQ(fused.summary().opCounts.at("Gemm"), 1);
  EXPECT_EQ(fused.summary().opCounts.at("MatMul"), 1);
  Tensor xv(ElemType::Float, {2, 4});
  for (int64_t i = 0; i < 8; ++i) xv.data<float>()[i] = 0.1f * static_cast<float>(i) - 0.3f;
  const auto a = fused.run({{"x", xv}}), r = reference.run({{"x", xv}});
  for (const char* name : {"y", "c", "g"}) {
    const Tensor &ya = a.at(name), &yr = r.at(name);
    ASSERT_EQ(ya.shape, yr.shape);
    for (int64_t i = 0; i < ya.size(); ++i) EXPECT_NEAR(ya.data<float>()[i], yr.data<float>()[i], 1e-5f) << name << " " << i;
  }
}

// Dynamic quantization, as our exporter and ONNX Runtime's write it: the
// MatMulInteger pattern and DynamicQuantizeLinear -> DequantizeLinear -> Conv.
TEST(IntegerFusion, DynamicPatternsRunAsOneLayerWithTheSameNumbers) {
  Builder b;
  b.m.graph.inputs.push_back({"x", ElemType::Float, {}, false});
  b.m.graph.outputs.push_back({"y", ElemType::Float, {}, false});
  // Conv on the image, dynamic input quantization.
  b.node("DynamicQuantizeLinear", {"x"}, {"xq", "xs", "xz"});
  b.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xdq"});
  b.node("Conv", {"xdq", b.weight("wc", {4, 1, 3, 3}, 0), b.bias("bc", 4)}, {"c"}, {ints("strides", {2, 2})});
  b.node("Relu", {"c"}, {"r"});
  b.node("Flatten", {"r"}, {"f"});
  // MatMulInteger pattern with per-column weight scales, bias and ReLU.
  Tensor wq(ElemType::Int8, {4 * 5 * 5, 6});
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(-127, 127);
  for (int64_t i = 0; i < wq.size(); ++i) wq.data<int8_t>()[i] = static_cast<int8_t>(d(rng));
  b.constant("wq", wq);
  b.zero("wz", ElemType::Int8, 0);
  Tensor ws(ElemType::Float, {6});
  for (int64_t n = 0; n < 6; ++n) ws.data<float>()[n] = 0.003f * static_cast<float>(n + 1);
  b.constant("ws", ws);
  b.node("DynamicQuantizeLinear", {"f"}, {"fq", "fs", "fz"});
  b.node("MatMulInteger", {"fq", "wq", "fz", "wz"}, {"acc"});
  b.node("Cast", {"acc"}, {"accf"}, {intAttr("to", 1)});
  b.node("Mul", {"fs", "ws"}, {"s"});
  b.node("Mul", {"accf", "s"}, {"ynb"});
  b.node("Add", {"ynb", b.bias("bm", 6)}, {"ya"});
  b.node("Relu", {"ya"}, {"y"});
  const Executor fused(b.m), reference(b.m, ExecutorOptions{false});
  EXPECT_EQ(fused.summary().integerLayers, 2);
  EXPECT_EQ(fused.summary().opCounts.count("MatMulInteger"), 0u);
  EXPECT_EQ(fused.summary().opCounts.count("DynamicQuantizeLinear"), 0u);
  const Tensor x = input({3, 1, 11, 11}, 5);
  const auto outA = fused.run({{"x", x}}), outR = reference.run({{"x", x}});
  const Tensor &ya = outA.at("y"), &yr = outR.at("y");
  ASSERT_EQ(ya.shape, yr.shape);
  for (int64_t i = 0; i < ya.size(); ++i) EXPECT_NEAR(ya.data<float>()[i], yr.data<float>()[i], 1e-5f * (1 + std::fabs(yr.data<float>()[i]))) << i;
  Tensor bad = x;
  bad.data<float>()[7] = NAN;
  EXPECT_THROW(fused.run({{"x", bad}}), std::exception);
}

TEST(IntegerFusion, BadInputToAFusedLayerIsAClearError) {
  const Model m = smallCnn(ElemType::UInt8);
  const Executor fused(m);
  try {
    fused.run({{"x", input({1, 2, 12, 12}, 3)}});
    FAIL() << "expected a channel mismatch";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("channels"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(fused.run({{"x", input({1, 1, 12, 12}, 3)}}));
}

}  // namespace
}  // namespace qwasm::graph
