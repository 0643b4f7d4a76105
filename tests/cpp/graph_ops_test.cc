#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"
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

Tensor randomTensor(Shape s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  Tensor t(ElemType::Float, std::move(s));
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = nd(rng);
  return t;
}

// A one-node model with the given constant inputs; input "x" is fed.
Model oneNode(const std::string& op, std::vector<std::pair<std::string, Tensor>> consts, std::vector<Attribute> attrs, int64_t opset = 13) {
  Model m;
  m.opsets[""] = opset;
  Node n;
  n.name = "n";
  n.opType = op;
  n.inputs.push_back("x");
  for (auto& [name, t] : consts) {
    n.inputs.push_back(name);
    m.graph.initializerNames.push_back(name);
    m.graph.initializers.push_back(std::move(t));
  }
  n.outputs = {"y"};
  n.attributes = std::move(attrs);
  m.graph.nodes.push_back(n);
  m.graph.inputs.push_back({"x", ElemType::Float, {}, false});
  m.graph.outputs.push_back({"y", ElemType::Float, {}, false});
  return m;
}

Tensor runOne(const Model& m, const Tensor& x) {
  Executor e(m);
  return e.run({{"x", x}}).at("y");
}

// Direct convolution straight from the definition.
float convAt(const Tensor& x, const Tensor& w, int64_t n, int64_t m, int64_t oy, int64_t ox, int64_t groups, int64_t stride, int64_t pad, int64_t dil) {
  const int64_t C = x.shape[1], H = x.shape[2], W = x.shape[3], Cg = w.shape[1], k = w.shape[2];
  const int64_t g = m / (w.shape[0] / groups);
  double acc = 0;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) {
        const int64_t iy = oy * stride - pad + i * dil, ix = ox * stride - pad + j * dil;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        acc += static_cast<double>(x.data<float>()[((n * C + g * Cg + c) * H + iy) * W + ix]) * w.data<float>()[((m * Cg + c) * k + i) * k + j];
      }
  return static_cast<float>(acc);
}

TEST(GraphOps, ConvMatchesDefinitionForStridePadDilationGroups) {
  struct Case { int64_t C, M, groups, k, stride, pad, dil, H; };
  for (const Case& c : {Case{3, 4, 1, 3, 1, 1, 1, 7}, Case{4, 6, 2, 3, 2, 1, 1, 9}, Case{5, 5, 5, 3, 1, 2, 2, 8}, Case{2, 3, 1, 1, 1, 0, 1, 5}}) {
    Tensor x = randomTensor({2, c.C, c.H, c.H}, 1);
    Tensor w = randomTensor({c.M, c.C / c.groups, c.k, c.k}, 2);
    Model m = oneNode("Conv", {{"w", w}}, {ints("strides", {c.stride, c.stride}), ints("pads", {c.pad, c.pad, c.pad, c.pad}),
                                          ints("dilations", {c.dil, c.dil}), intAttr("group", c.groups)});
    Tensor y = runOne(m, x);
    ASSERT_EQ(y.shape.size(), 4u);
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t mm = 0; mm < c.M; ++mm)
        for (int64_t oy = 0; oy < y.shape[2]; ++oy)
          for (int64_t ox = 0; ox < y.shape[3]; ++ox) {
            const float got = y.data<float>()[((n * c.M + mm) * y.shape[2] + oy) * y.shape[3] + ox];
            EXPECT_NEAR(got, convAt(x, w, n, mm, oy, ox, c.groups, c.stride, c.pad, c.dil), 1e-4f);
          }
  }
}

TEST(GraphOps, BatchNormFoldingEqualsUnfolded) {
  Model m;
  m.opsets[""] = 13;
  Tensor w = randomTensor({4, 2, 3, 3}, 3), b = randomTensor({4}, 4);
  Tensor scale = randomTensor({4}, 5), bias = randomTensor({4}, 6), mean = randomTensor({4}, 7), var = randomTensor({4}, 8);
  for (int i = 0; i < 4; ++i) var.data<float>()[i] = std::fabs(var.data<float>()[i]) + 0.1f;
  for (auto& [n, t] : std::vector<std::pair<std::string, Tensor>>{{"w", w}, {"b", b}, {"s", scale}, {"bb", bias}, {"m", mean}, {"v", var}}) {
    m.graph.initializerNames.push_back(n);
    m.graph.initializers.push_back(t);
  }
  Node conv{"conv", "Conv", "", {"x", "w", "b"}, {"c"}, {ints("pads", {1, 1, 1, 1})}};
  Node bn{"bn", "BatchNormalization", "", {"c", "s", "bb", "m", "v"}, {"y"}, {}};
  m.graph.nodes = {conv, bn};
  m.graph.inputs.push_back({"x", ElemType::Float, {}, false});
  m.graph.outputs.push_back({"y", ElemType::Float, {}, false});
  Executor folded(m);
  EXPECT_EQ(folded.summary().foldedBatchNorms, 1);
  EXPECT_EQ(folded.plan().size(), 1u);
  Tensor x = randomTensor({1, 2, 5, 5}, 9);
  Tensor y = folded.run({{"x", x}}).at("y");
  // Unfolded: run the two nodes separately.
  Model convOnly = m;
  convOnly.graph.nodes = {conv};
  convOnly.graph.outputs[0].name = "c";
  Tensor c = Executor(convOnly).run({{"x", x}}).at("c");
  for (int64_t i = 0; i < y.size(); ++i) {
    const int64_t ch = (i / 25) % 4;
    const float expect = (c.data<float>()[i] - mean.data<float>()[ch]) / std::sqrt(var.data<float>()[ch] + 1e-5f) * scale.data<float>()[ch] + bias.data<float>()[ch];
    EXPECT_NEAR(y.data<float>()[i], expect, 1e-4f);
  }
}

TEST(GraphOps, BroadcastingAddAndMatMulBatches) {
  Tensor bias = randomTensor({3}, 1);
  Tensor x = randomTensor({2, 4, 3}, 2);
  Tensor y = runOne(oneNode("Add", {{"b", bias}}, {}), x);
  EXPECT_EQ(y.shape, (Shape{2, 4, 3}));
  EXPECT_FLOAT_EQ(y.data<float>()[7], x.data<float>()[7] + bias.data<float>()[1]);
  Tensor w = randomTensor({3, 5}, 3);
  Tensor z = runOne(oneNode("MatMul", {{"w", w}}, {}), x);
  EXPECT_EQ(z.shape, (Shape{2, 4, 5}));
  double acc = 0;
  for (int k = 0; k < 3; ++k) acc += x.data<float>()[(1 * 4 + 2) * 3 + k] * w.data<float>()[k * 5 + 4];
  EXPECT_NEAR(z.data<float>()[(1 * 4 + 2) * 5 + 4], acc, 1e-5);
  EXPECT_THROW(runOne(oneNode("Add", {{"b", randomTensor({4}, 1)}}, {}), x), Error);
}

TEST(GraphOps, MaxAndAveragePoolWithPadding) {
  Tensor x(ElemType::Float, {1, 1, 3, 3});
  for (int i = 0; i < 9; ++i) x.data<float>()[i] = static_cast<float>(i + 1);
  Tensor mx = runOne(oneNode("MaxPool", {}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2}), ints("pads", {0, 0, 1, 1})}), x);
  EXPECT_EQ(mx.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(std::vector<float>(mx.data<float>(), mx.data<float>() + 4), (std::vector<float>{5, 6, 8, 9}));
  Tensor av = runOne(oneNode("AveragePool", {}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2}), ints("pads", {0, 0, 1, 1})}), x);
  EXPECT_EQ(std::vector<float>(av.data<float>(), av.data<float>() + 4), (std::vector<float>{3, 4.5f, 7.5f, 9}));
}

TEST(GraphOps, UnsupportedOpListsSupportedOnes) {
  try {
    Executor e(oneNode("NonMaxSuppression", {}, {}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'NonMaxSuppression'"), std::string::npos);
    EXPECT_NE(msg.find("QLinearConv"), std::string::npos);
  }
}

TEST(GraphOps, SoftmaxRowsSumToOne) {
  Tensor x = randomTensor({3, 7}, 11);
  Tensor y = runOne(oneNode("Softmax", {}, {}), x);
  for (int r = 0; r < 3; ++r) {
    double s = 0;
    for (int c = 0; c < 7; ++c) s += y.data<float>()[r * 7 + c];
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
}

}  // namespace
}  // namespace qwasm::graph
