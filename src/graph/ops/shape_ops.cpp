// Ops that move data without arithmetic, for any element type of whole bytes:
// Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Shape, Gather,
// Slice, Expand, Pad, Constant, ConstantOfShape, Range, Cast.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "graph/broadcast.h"
#include "graph/op_registry.h"

namespace qwasm::graph {

namespace {

size_t elemBytes(const OpContext& c, const Tensor& t) {
  const int bits = elemBits(t.type);
  if (bits < 8) c.fail(std::string("element type ") + elemTypeName(t.type) + " is not supported here");
  return static_cast<size_t>(bits / 8);
}

int64_t normAxis(const OpContext& c, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) c.fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Tensor reshaped(const Tensor& x, Shape s) {
  Tensor y = x;
  y.shape = std::move(s);
  return y;
}

void reshape(OpContext& c) {
  const Tensor& x = c.in(0);
  std::vector<int64_t> target = c.opset >= 5 ? c.in(1).toInt64s() : c.node.attrInts("shape");
  const bool allowZero = c.node.attrInt("allowzero", 0) != 0;
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowZero) {
      if (i >= x.shape.size()) c.fail("shape has 0 at axis " + std::to_string(i) + " beyond the input rank");
      target[i] = x.shape[i];
    }
    if (target[i] == -1) {
      if (inferAt >= 0) c.fail("shape has more than one -1");
      inferAt = static_cast<int64_t>(i);
    } else if (target[i] < 0) {
      c.fail("shape has negative dimension " + std::to_string(target[i]));
    } else {
      known *= target[i];
    }
  }
  if (inferAt >= 0) {
    if (known == 0 || x.size() % known != 0) c.fail("cannot reshape " + shapeString(x.shape) + " to " + shapeString(target));
    target[static_cast<size_t>(inferAt)] = x.size() / known;
  }
  if (shapeSize(target) != x.size()) c.fail("cannot reshape " + shapeString(x.shape) + " to " + shapeString(target));
  c.outputs[0] = reshaped(x, target);
}

void flatten(OpContext& c) {
  const Tensor& x = c.in(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = c.node.attrInt("axis", 1);
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank) c.fail("axis out of range");
  int64_t outer = 1;
  for (int64_t i = 0; i < a; ++i) outer *= x.shape[static_cast<size_t>(i)];
  c.outputs[0] = reshaped(x, {outer, outer == 0 ? 0 : x.size() / outer});
}

void transpose(OpContext& c) {
  const Tensor& x = c.in(0);
  const size_t rank = x.shape.size();
  std::vector<int64_t> perm = c.node.attrInts("perm");
  if (perm.empty()) for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (perm.size() != rank) c.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  Shape out(rank);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < rank; ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(perm[i])]) c.fail("perm is not a permutation");
    seen[static_cast<size_t>(perm[i])] = true;
    out[i] = x.shape[static_cast<size_t>(perm[i])];
  }
  Tensor y(x.type, out);
  const size_t w = elemBytes(c, x);
  std::vector<int64_t> inStride(rank, 1);
  for (size_t i = rank; i-- > 1;) inStride[i - 1] = inStride[i] * x.shape[i];
  std::vector<int64_t> stride(rank);
  for (size_t i = 0; i < rank; ++i) stride[i] = inStride[static_cast<size_t>(perm[i])];
  std::vector<int64_t> pos(rank, 0);
  int64_t src = 0;
  const int64_t n = y.size();
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(y.bytes.data() + i * w, x.bytes.data() + src * w, w);
    for (size_t d = rank; d-- > 0;) {
      ++pos[d];
      src += stride[d];
      if (pos[d] < out[d]) break;
      src -= stride[d] * out[d];
      pos[d] = 0;
    }
  }
  c.outputs[0] = std::move(y);
}

void concat(OpContext& c) {
  const Tensor& first = c.in(0);
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  const int64_t axis = normAxis(c, c.node.attrInt("axis", 0), rank);
  Shape out = first.shape;
  out[axis] = 0;
  for (size_t i = 0; i < c.numInputs(); ++i) {
    const Tensor& t = c.in(i);
    if (t.type != first.type || t.shape.size() != first.shape.size()) c.fail("inputs differ in type or rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.shape[d] != first.shape[d]) c.fail("input " + std::to_string(i) + " shape " + shapeString(t.shape) + " does not match");
    out[axis] += t.shape[axis];
  }
  Tensor y(first.type, out);
  const size_t w = elemBytes(c, first);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out[d];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d) inner *= out[d];
  size_t dst = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < c.numInputs(); ++i) {
      const Tensor& t = c.in(i);
      const size_t chunk = static_cast<size_t>(t.shape[axis] * inner) * w;
      std::memcpy(y.bytes.data() + dst, t.bytes.data() + o * chunk, chunk);
      dst += chunk;
    }
  c.outputs[0] = std::move(y);
}

std::vector<int64_t> axesArg(const OpContext& c, size_t inputIndex) {
  if (c.opset >= 13 && c.has(inputIndex)) return c.in(inputIndex).toInt64s();
  return c.node.attrInts("axes");
}

void squeeze(OpContext& c) {
  const Tensor& x = c.in(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> axes = axesArg(c, 1);
  std::vector<bool> drop(static_cast<size_t>(rank), false);
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) drop[d] = x.shape[d] == 1;
  } else {
    for (int64_t a : axes) {
      const int64_t d = normAxis(c, a, rank);
      if (x.shape[d] != 1) c.fail("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(x.shape[d]));
      drop[d] = true;
    }
  }
  Shape out;
  for (int64_t d = 0; d < rank; ++d) if (!drop[d]) out.push_back(x.shape[d]);
  c.outputs[0] = reshaped(x, out);
}

void unsqueeze(OpContext& c) {
  const Tensor& x = c.in(0);
  std::vector<int64_t> axes = axesArg(c, 1);
  const int64_t outRank = static_cast<int64_t>(x.shape.size() + axes.size());
  std::vector<bool> isNew(static_cast<size_t>(outRank), false);
  for (int64_t a : axes) {
    const int64_t d = normAxis(c, a, outRank);
    if (isNew[d]) c.fail("duplicate axis");
    isNew[d] = true;
  }
  Shape out;
  size_t k = 0;
  for (int64_t d = 0; d < outRank; ++d) out.push_back(isNew[d] ? 1 : x.shape[k++]);
  c.outputs[0] = reshaped(x, out);
}

void shapeOp(OpContext& c) {
  const Tensor& x = c.in(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t start = c.node.attrInt("start", 0), end = c.node.attrInt("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  Tensor y(ElemType::Int64, {end - start});
  for (int64_t i = start; i < end; ++i) y.data<int64_t>()[i - start] = x.shape[i];
  c.outputs[0] = std::move(y);
}

void gather(OpContext& c) {
  const Tensor& x = c.in(0);
  const Tensor& idx = c.in(1);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = normAxis(c, c.node.attrInt("axis", 0), rank);
  Shape out(x.shape.begin(), x.shape.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), x.shape.begin() + axis + 1, x.shape.end());
  Tensor y(x.type, out);
  const size_t w = elemBytes(c, x);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[d];
  const int64_t dim = x.shape[axis], ni = idx.size();
  size_t dst = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < ni; ++j) {
      int64_t k = idx.intAt(j);
      if (k < 0) k += dim;
      if (k < 0 || k >= dim) c.fail("index " + std::to_string(idx.intAt(j)) + " out of range for axis of size " + std::to_string(dim));
      const size_t chunk = static_cast<size_t>(inner) * w;
      std::memcpy(y.bytes.data() + dst, x.bytes.data() + ((o * dim + k) * inner) * w, chunk);
      dst += chunk;
    }
  c.outputs[0] = std::move(y);
}

void slice(OpContext& c) {
  const Tensor& x = c.in(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset >= 10) {
    starts = c.in(1).toInt64s();
    ends = c.in(2).toInt64s();
    if (c.has(3)) axes = c.in(3).toInt64s();
    if (c.has(4)) steps = c.in(4).toInt64s();
  } else {
    starts = c.node.attrInts("starts");
    ends = c.node.attrInts("ends");
    axes = c.node.attrInts("axes");
  }
  if (axes.empty()) for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) c.fail("starts/ends/axes/steps lengths differ");
  std::vector<int64_t> st(rank, 0), sp(rank, 1), cnt(x.shape.begin(), x.shape.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t d = normAxis(c, axes[i], rank);
    const int64_t dim = x.shape[d], step = steps[i];
    if (step == 0) c.fail("step 0");
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0 && e > std::numeric_limits<int64_t>::min() / 2) e += dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      cnt[d] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, -1, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      cnt[d] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    st[d] = s;
    sp[d] = step;
  }
  Tensor y(x.type, Shape(cnt.begin(), cnt.end()));
  const size_t w = elemBytes(c, x);
  std::vector<int64_t> inStride(rank, 1);
  for (int64_t i = rank - 1; i > 0; --i) inStride[i - 1] = inStride[i] * x.shape[i];
  const int64_t n = y.size();
  std::vector<int64_t> pos(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d) src += (st[d] + pos[d] * sp[d]) * inStride[d];
    std::memcpy(y.bytes.data() + i * w, x.bytes.data() + src * w, w);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < cnt[d]) break;
      pos[d] = 0;
    }
  }
  c.outputs[0] = std::move(y);
}

void expand(OpContext& c) {
  const Tensor& x = c.in(0);
  const Shape out = broadcastShapes(x.shape, c.in(1).toInt64s(), "Expand");
  Tensor y(x.type, out);
  const size_t w = elemBytes(c, x);
  const std::vector<int64_t> idx = broadcastIndex(x.shape, out);
  for (size_t i = 0; i < idx.size(); ++i) std::memcpy(y.bytes.data() + i * w, x.bytes.data() + idx[i] * w, w);
  c.outputs[0] = std::move(y);
}

void pad(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const std::string mode = c.node.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge") c.fail("unsupported mode '" + mode + "'");
  std::vector<int64_t> pads = c.opset >= 11 ? c.in(1).toInt64s() : c.node.attrInts("pads");
  float value = c.opset >= 11 ? (c.has(2) && c.in(2).size() ? c.in(2).floatAt(0) : 0.0f) : c.node.attrFloat("value", 0.0f);
  std::vector<int64_t> axes;
  if (c.has(3)) for (int64_t a : c.in(3).toInt64s()) axes.push_back(normAxis(c, a, rank));
  else for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  if (pads.size() != 2 * axes.size()) c.fail("pads must have 2 values per axis");
  std::vector<int64_t> before(rank, 0), after(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) { before[axes[i]] = pads[i]; after[axes[i]] = pads[i + axes.size()]; }
  Shape out(rank);
  for (int64_t d = 0; d < rank; ++d) {
    out[d] = x.shape[d] + before[d] + after[d];
    if (out[d] < 0) c.fail("negative output dimension");
  }
  Tensor y(ElemType::Float, out);
  std::vector<int64_t> inStride(rank, 1);
  for (int64_t i = rank - 1; i > 0; --i) inStride[i - 1] = inStride[i] * x.shape[i];
  std::vector<int64_t> pos(rank, 0);
  const int64_t n = y.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t p = pos[d] - before[d];
      const int64_t dim = x.shape[d];
      if (p < 0 || p >= dim) {
        if (mode == "constant" || dim == 0) { inside = false; break; }
        if (mode == "edge") p = std::clamp<int64_t>(p, 0, dim - 1);
        else {  // reflect
          const int64_t period = 2 * (dim - 1);
          if (period == 0) p = 0;
          else { p = ((p % period) + period) % period; if (p >= dim) p = period - p; }
        }
      }
      src += p * inStride[d];
    }
    y.data<float>()[i] = inside ? x.data<float>()[src] : value;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < out[d]) break;
      pos[d] = 0;
    }
  }
  c.outputs[0] = std::move(y);
}

void constant(OpContext& c) {
  const io::onnx::Attribute* a = c.node.attr("value");
  if (a && a->t) { c.outputs[0] = *a->t; return; }
  if ((a = c.node.attr("value_float"))) { float v = a->f; c.outputs[0] = Tensor::fromFloats({}, &v); return; }
  if ((a = c.node.attr("value_int"))) { c.outputs[0] = Tensor::scalarInt64(a->i); return; }
  if ((a = c.node.attr("value_floats"))) {
    c.outputs[0] = Tensor::fromFloats({static_cast<int64_t>(a->floats.size())}, a->floats.data());
    return;
  }
  if ((a = c.node.attr("value_ints"))) {
    Tensor t(ElemType::Int64, {static_cast<int64_t>(a->ints.size())});
    std::copy(a->ints.begin(), a->ints.end(), t.data<int64_t>());
    c.outputs[0] = std::move(t);
    return;
  }
  c.fail("no supported value attribute");
}

void constantOfShape(OpContext& c) {
  const Shape s = c.in(0).toInt64s();
  const io::onnx::Attribute* a = c.node.attr("value");
  Tensor proto = a && a->t ? *a->t : Tensor(ElemType::Float, {1});
  Tensor y(proto.type, s);
  const size_t w = elemBytes(c, proto);
  for (int64_t i = 0; i < y.size(); ++i) std::memcpy(y.bytes.data() + i * w, proto.bytes.data(), w);
  c.outputs[0] = std::move(y);
}

void range(OpContext& c) {
  const Tensor& s = c.in(0);
  const double start = s.floatAt(0), limit = c.in(1).floatAt(0), delta = c.in(2).floatAt(0);
  if (delta == 0) c.fail("delta is 0");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((limit - start) / delta)));
  Tensor y(s.type, {n});
  for (int64_t i = 0; i < n; ++i) {
    const double v = start + static_cast<double>(i) * delta;
    if (s.type == ElemType::Float) y.data<float>()[i] = static_cast<float>(v);
    else if (s.type == ElemType::Int64) y.data<int64_t>()[i] = static_cast<int64_t>(v);
    else if (s.type == ElemType::Int32) y.data<int32_t>()[i] = static_cast<int32_t>(v);
    else c.fail("unsupported type");
  }
  c.outputs[0] = std::move(y);
}

void cast(OpContext& c) {
  const Tensor& x = c.in(0);
  const auto to = static_cast<ElemType>(c.node.attrInt("to", 1));
  Tensor y(to, x.shape);
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) {
    switch (to) {
      case ElemType::Float: y.data<float>()[i] = x.floatAt(i); break;
      case ElemType::Int64: y.data<int64_t>()[i] = x.type == ElemType::Float ? static_cast<int64_t>(x.data<float>()[i]) : x.intAt(i); break;
      case ElemType::Int32: y.data<int32_t>()[i] = static_cast<int32_t>(x.type == ElemType::Float ? x.data<float>()[i] : x.intAt(i)); break;
      case ElemType::Bool: y.data<uint8_t>()[i] = x.floatAt(i) != 0.0f; break;
      default: c.fail(std::string("cast to ") + elemTypeName(to) + " is not supported");
    }
  }
  c.outputs[0] = std::move(y);
}

}  // namespace

void registerShapeOps() {
  registerOp("Reshape", reshape);
  registerOp("Flatten", flatten);
  registerOp("Transpose", transpose);
  registerOp("Concat", concat);
  registerOp("Squeeze", squeeze);
  registerOp("Unsqueeze", unsqueeze);
  registerOp("Shape", shapeOp);
  registerOp("Gather", gather);
  registerOp("Slice", slice);
  registerOp("Expand", expand);
  registerOp("Pad", pad);
  registerOp("Constant", constant);
  registerOp("ConstantOfShape", constantOfShape);
  registerOp("Range", range);
  registerOp("Cast", cast);
}

}  // namespace qwasm::graph
