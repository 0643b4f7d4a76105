// Gemm and MatMul (with numpy batch broadcasting), float32.
#include <algorithm>
#include <cstring>

#include "graph/broadcast.h"
#include "graph/matmul.h"
#include "graph/op_registry.h"

namespace qwasm::graph {

namespace {

void gemmOp(OpContext& c) {
  const Tensor& a = c.floatIn(0);
  const Tensor& b = c.floatIn(1);
  if (a.shape.size() != 2 || b.shape.size() != 2) c.fail("A and B must be 2-D, got " + shapeString(a.shape) + " and " + shapeString(b.shape));
  const bool transA = c.node.attrInt("transA", 0) != 0;
  const bool transB = c.node.attrInt("transB", 0) != 0;
  const float alpha = c.node.attrFloat("alpha", 1.0f);
  const float beta = c.node.attrFloat("beta", 1.0f);
  const int64_t M = transA ? a.shape[1] : a.shape[0];
  const int64_t K = transA ? a.shape[0] : a.shape[1];
  const int64_t Kb = transB ? b.shape[1] : b.shape[0];
  const int64_t N = transB ? b.shape[0] : b.shape[1];
  if (K != Kb) c.fail("inner dimensions differ: A " + shapeString(a.shape) + ", B " + shapeString(b.shape));
  Tensor y(ElemType::Float, {M, N});
  matmulF32(a.data<float>(), b.data<float>(), y.data<float>(), M, N, K, transA, transB);
  float* py = y.data<float>();
  if (alpha != 1.0f) for (int64_t i = 0; i < M * N; ++i) py[i] *= alpha;
  if (c.has(2) && beta != 0.0f) {
    const Tensor& bias = c.floatIn(2);
    broadcastShapes(bias.shape, y.shape, "Gemm bias");
    const float* pc = bias.data<float>();
    forEachBroadcast(y.shape, bias.shape, y.shape, [&](int64_t i, int64_t, int64_t ic) { py[i] += beta * pc[ic]; });
  }
  c.outputs[0] = std::move(y);
}

void matmulOp(OpContext& c) {
  const Tensor& a = c.floatIn(0);
  const Tensor& b = c.floatIn(1);
  Shape sa = a.shape, sb = b.shape;
  if (sa.empty() || sb.empty()) c.fail("inputs must have rank >= 1");
  const bool vecA = sa.size() == 1, vecB = sb.size() == 1;
  if (vecA) sa.insert(sa.begin(), 1);
  if (vecB) sb.push_back(1);
  const int64_t M = sa[sa.size() - 2], K = sa.back(), N = sb.back();
  if (sb[sb.size() - 2] != K) c.fail("inner dimensions differ: " + shapeString(a.shape) + " x " + shapeString(b.shape));
  Shape batchA(sa.begin(), sa.end() - 2), batchB(sb.begin(), sb.end() - 2);
  Shape batch = broadcastShapes(batchA, batchB, "MatMul batch");
  Shape outShape = batch;
  if (!vecA) outShape.push_back(M);
  if (!vecB) outShape.push_back(N);
  Tensor y(ElemType::Float, outShape);
  const std::vector<int64_t> ia = broadcastIndex(batchA, batch), ib = broadcastIndex(batchB, batch);
  for (size_t i = 0; i < ia.size(); ++i) {
    matmulF32(a.data<float>() + ia[i] * M * K, b.data<float>() + ib[i] * K * N, y.data<float>() + i * M * N, M, N, K, false, false);
  }
  c.outputs[0] = std::move(y);
}

}  // namespace

void registerLinearOps() {
  registerOp("Gemm", gemmOp);
  registerOp("MatMul", matmulOp);
}

}  // namespace qwasm::graph
