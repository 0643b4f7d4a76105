// Softmax, LogSoftmax, LayerNormalization and ReduceMean (float32; sums in double).
#include <algorithm>
#include <cmath>
#include <string>

#include "graph/op_registry.h"

namespace qwasm::graph {

namespace {

int64_t normAxis(const OpContext& c, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) c.fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

void softmax(OpContext& c, bool logarithm) {
  const Tensor& x = c.floatIn(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) c.fail("input must have rank >= 1");
  const int64_t axis = normAxis(c, c.node.attrInt("axis", c.opset >= 13 ? -1 : 1), rank);
  // opset < 13: softmax over the flattened [axis:] block; >= 13: along one axis.
  int64_t outer = 1, dim = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  if (c.opset >= 13) {
    dim = x.shape[axis];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[d];
  } else {
    for (int64_t d = axis; d < rank; ++d) dim *= x.shape[d];
  }
  Tensor y(ElemType::Float, x.shape);
  const float* px = x.data<float>();
  float* py = y.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * dim * inner + i;
      float mx = -INFINITY;
      for (int64_t k = 0; k < dim; ++k) mx = std::max(mx, px[base + k * inner]);
      double sum = 0;
      for (int64_t k = 0; k < dim; ++k) sum += std::exp(static_cast<double>(px[base + k * inner] - mx));
      const double logSum = std::log(sum);
      for (int64_t k = 0; k < dim; ++k) {
        const double v = static_cast<double>(px[base + k * inner] - mx);
        py[base + k * inner] = static_cast<float>(logarithm ? v - logSum : std::exp(v) / sum);
      }
    }
  c.outputs[0] = std::move(y);
}

void layerNorm(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  const Tensor& scale = c.floatIn(1);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = normAxis(c, c.node.attrInt("axis", -1), rank);
  const float eps = c.node.attrFloat("epsilon", 1e-5f);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis; d < rank; ++d) inner *= x.shape[d];
  if (scale.size() != inner) c.fail("Scale has " + std::to_string(scale.size()) + " values, expected " + std::to_string(inner));
  const float* bias = nullptr;
  if (c.has(2)) {
    if (c.floatIn(2).size() != inner) c.fail("B has the wrong size");
    bias = c.in(2).data<float>();
  }
  Tensor y(ElemType::Float, x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    const float* px = x.data<float>() + o * inner;
    float* py = y.data<float>() + o * inner;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < inner; ++i) mean += px[i];
    mean /= static_cast<double>(inner);
    for (int64_t i = 0; i < inner; ++i) var += (px[i] - mean) * (px[i] - mean);
    var /= static_cast<double>(inner);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < inner; ++i) {
      py[i] = static_cast<float>((px[i] - mean) * inv) * scale.data<float>()[i] + (bias ? bias[i] : 0.0f);
    }
  }
  c.outputs[0] = std::move(y);
}

void reduceMean(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> axes = c.opset >= 18 && c.has(1) ? c.in(1).toInt64s() : c.node.attrInts("axes");
  const bool keep = c.node.attrInt("keepdims", 1) != 0;
  std::vector<bool> reduce(static_cast<size_t>(rank), axes.empty() && c.node.attrInt("noop_with_empty_axes", 0) == 0);
  for (int64_t a : axes) reduce[normAxis(c, a, rank)] = true;
  Shape out, kept;
  for (int64_t d = 0; d < rank; ++d) {
    if (reduce[d]) { if (keep) out.push_back(1); kept.push_back(1); }
    else { out.push_back(x.shape[d]); kept.push_back(x.shape[d]); }
  }
  std::vector<double> acc(static_cast<size_t>(shapeSize(kept)), 0.0);
  std::vector<int64_t> outStride(rank, 1);
  for (int64_t d = rank - 1; d > 0; --d) outStride[d - 1] = outStride[d] * kept[d];
  std::vector<int64_t> pos(rank, 0);
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d) if (!reduce[d]) o += pos[d] * outStride[d];
    acc[o] += x.data<float>()[i];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < x.shape[d]) break;
      pos[d] = 0;
    }
  }
  const double count = static_cast<double>(n) / static_cast<double>(std::max<size_t>(1, acc.size()));
  Tensor y(ElemType::Float, out);
  for (size_t i = 0; i < acc.size(); ++i) y.data<float>()[i] = static_cast<float>(acc[i] / count);
  c.outputs[0] = std::move(y);
}

}  // namespace

void registerNormalizationOps() {
  registerOp("Softmax", [](OpContext& c) { softmax(c, false); });
  registerOp("LogSoftmax", [](OpContext& c) { softmax(c, true); });
  registerOp("LayerNormalization", layerNorm);
  registerOp("ReduceMean", reduceMean);
}

}  // namespace qwasm::graph
