// Ops of already-quantized ONNX models (what ONNX Runtime's quantizer emits):
// QuantizeLinear, DequantizeLinear (per-tensor, per-axis, blocked),
// DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul,
// QLinearConv. Integer accumulation is exact (int32); requantization rounds
// half to even and saturates, as ONNX Runtime does.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "graph/broadcast.h"
#include "graph/conv_geometry.h"
#include "graph/op_registry.h"
#include "kernels/quantize/quantize_codes.h"
#include "quant/qparams.h"

namespace qwasm::graph {

namespace {

struct IntRange {
  int32_t lo, hi;
};

IntRange rangeOf(const OpContext& c, ElemType t) {
  switch (t) {
    case ElemType::UInt8: return {0, 255};
    case ElemType::Int8: return {-128, 127};
    case ElemType::UInt16: return {0, 65535};
    case ElemType::Int16: return {-32768, 32767};
    case ElemType::UInt4: return {0, 15};
    case ElemType::Int4: return {-8, 7};
    case ElemType::Int32: return {INT32_MIN, INT32_MAX};
    default: c.fail(std::string("quantized type ") + elemTypeName(t) + " is not supported");
  }
}

int32_t readCode(const Tensor& t, int64_t i) {
  switch (t.type) {
    case ElemType::UInt4: { const uint8_t b = t.bytes[i / 2]; return (i & 1) ? b >> 4 : b & 15; }
    case ElemType::Int4: {
      const uint8_t b = t.bytes[i / 2];
      const int32_t v = (i & 1) ? b >> 4 : b & 15;
      return v >= 8 ? v - 16 : v;
    }
    default: return static_cast<int32_t>(t.intAt(i));
  }
}

void writeCode(Tensor& t, int64_t i, int32_t v) {
  switch (t.type) {
    case ElemType::UInt8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
    case ElemType::Int8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
    case ElemType::UInt16: t.data<uint16_t>()[i] = static_cast<uint16_t>(v); break;
    case ElemType::Int16: t.data<int16_t>()[i] = static_cast<int16_t>(v); break;
    case ElemType::Int32: t.data<int32_t>()[i] = v; break;
    case ElemType::UInt4: case ElemType::Int4: {
      uint8_t& b = t.bytes[i / 2];
      const uint8_t nib = static_cast<uint8_t>(v & 15);
      b = (i & 1) ? static_cast<uint8_t>((b & 0x0F) | (nib << 4)) : static_cast<uint8_t>((b & 0xF0) | nib);
      break;
    }
    default: break;
  }
}

// For element i of x, which scale / zero-point index applies: per-tensor,
// per-axis (axis attribute, default 1) or blocked (block_size > 0).
struct ParamIndex {
  int64_t mode = 0;  // 0 tensor, 1 axis, 2 blocked
  int64_t axis = 1, dim = 1, inner = 1, block = 0, blocksOnAxis = 1;

  ParamIndex(const OpContext& c, const Shape& x, const Tensor& scale) {
    const int64_t rank = static_cast<int64_t>(x.size());
    block = c.node.attrInt("block_size", 0);
    if (scale.size() == 1 && scale.shape.size() <= 1 && block == 0) return;
    int64_t a = c.node.attrInt("axis", 1);
    if (a < -rank || a >= rank) c.fail("axis " + std::to_string(a) + " out of range");
    axis = a < 0 ? a + rank : a;
    dim = x[axis];
    inner = 1;
    for (int64_t d = axis + 1; d < rank; ++d) inner *= x[d];
    if (block > 0) {
      mode = 2;
      blocksOnAxis = (dim + block - 1) / block;
      if (scale.size() != shapeSize(x) / dim * blocksOnAxis) c.fail("blocked scale has " + std::to_string(scale.size()) + " values, expected " + std::to_string(shapeSize(x) / dim * blocksOnAxis));
    } else {
      mode = 1;
      if (scale.size() != dim) c.fail("per-axis scale has " + std::to_string(scale.size()) + " values, axis has " + std::to_string(dim));
    }
  }
  int64_t operator()(int64_t i) const {
    if (mode == 0) return 0;
    const int64_t k = (i / inner) % dim;
    if (mode == 1) return k;
    const int64_t outer = i / (inner * dim);
    return (outer * blocksOnAxis + k / block) * inner + i % inner;
  }
};

void quantizeLinear(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  const Tensor& scale = c.floatIn(1);
  ElemType outType = c.has(2) ? c.in(2).type : ElemType::UInt8;
  if (!c.has(2) && c.node.attr("output_dtype")) outType = static_cast<ElemType>(c.node.attrInt("output_dtype", 2));
  const IntRange r = rangeOf(c, outType);
  const ParamIndex pi(c, x.shape, scale);
  Tensor y(outType, x.shape);
  const int64_t n = x.size();
  if (pi.mode == 0 && (outType == ElemType::UInt8 || outType == ElemType::Int8)) {
    // Per-tensor 8-bit: the SIMD quantize kernel (same division, ties to even, saturation).
    const int32_t zp = c.has(2) ? readCode(c.in(2), 0) : 0;
    kernels::quantize_bytes(x.data<float>(), static_cast<size_t>(n), scale.data<float>()[0], zp, r.lo, r.hi, y.bytes.data());
    c.outputs[0] = std::move(y);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = pi(i);
    const int32_t zp = c.has(2) ? readCode(c.in(2), p) : 0;
    float q = std::nearbyintf(x.data<float>()[i] / scale.data<float>()[p]) + static_cast<float>(zp);
    q = std::clamp(q, static_cast<float>(r.lo), static_cast<float>(r.hi));
    writeCode(y, i, static_cast<int32_t>(q));
  }
  c.outputs[0] = std::move(y);
}

void dequantizeLinear(OpContext& c) {
  const Tensor& x = c.in(0);
  const Tensor& scale = c.floatIn(1);
  rangeOf(c, x.type);
  const ParamIndex pi(c, x.shape, scale);
  Tensor y(ElemType::Float, x.shape);
  const int64_t n = x.size();
  if (pi.mode == 0 && (x.type == ElemType::UInt8 || x.type == ElemType::Int8)) {
    const int32_t zp = c.has(2) ? readCode(c.in(2), 0) : 0;
    kernels::dequantize_bytes(x.bytes.data(), static_cast<size_t>(n), x.type == ElemType::Int8, scale.data<float>()[0], zp, y.data<float>());
    c.outputs[0] = std::move(y);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = pi(i);
    const int32_t zp = c.has(2) ? readCode(c.in(2), p) : 0;
    y.data<float>()[i] = static_cast<float>(readCode(x, i) - zp) * scale.data<float>()[p];
  }
  c.outputs[0] = std::move(y);
}

void dynamicQuantizeLinear(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  float lo = 0.0f, hi = 0.0f;
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) {
    const float v = x.data<float>()[i];
    if (std::isnan(v)) c.fail("input has NaN at index " + std::to_string(i));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const QParams p = asymmetricQParams(lo, hi, DType::UInt8);
  Tensor y(ElemType::UInt8, x.shape);
  const CodeRange r{0, 255};
  for (int64_t i = 0; i < n; ++i) y.data<uint8_t>()[i] = static_cast<uint8_t>(quantizeValue(x.data<float>()[i], p, r));
  c.outputs[0] = std::move(y);
  c.outputs[1] = Tensor::fromFloats({}, &p.scale);
  Tensor zp(ElemType::UInt8, {});
  zp.data<uint8_t>()[0] = static_cast<uint8_t>(p.zeroPoint);
  c.outputs[2] = std::move(zp);
}

// Integer matmul core: acc[b][m][n] = Σk (A[m,k] - za[m]) * (B[k,n] - zb[n]).
// Zero-points may be scalars, per-row of A (size M) or per-column of B (size N).
Tensor integerMatMul(OpContext& c, const Tensor& a, const Tensor* za, const Tensor& b, const Tensor* zb) {
  if (a.shape.size() < 2 || b.shape.size() < 2) c.fail("inputs must have rank >= 2");
  const int64_t M = a.shape[a.shape.size() - 2], K = a.shape.back(), N = b.shape.back();
  if (b.shape[b.shape.size() - 2] != K) c.fail("inner dimensions differ: " + shapeString(a.shape) + " x " + shapeString(b.shape));
  Shape batchA(a.shape.begin(), a.shape.end() - 2), batchB(b.shape.begin(), b.shape.end() - 2);
  Shape batch = broadcastShapes(batchA, batchB, "batch");
  Shape out = batch;
  out.push_back(M);
  out.push_back(N);
  Tensor y(ElemType::Int32, out);
  auto zpA = [&](int64_t m) { return za ? readCode(*za, za->size() == 1 ? 0 : m) : 0; };
  auto zpB = [&](int64_t nn) { return zb ? readCode(*zb, zb->size() == 1 ? 0 : nn) : 0; };
  if (za && za->size() != 1 && za->size() != M) c.fail("a_zero_point must be a scalar or have M values");
  if (zb && zb->size() != 1 && zb->size() != N) c.fail("b_zero_point must be a scalar or have N values");
  const auto ia = broadcastIndex(batchA, batch), ib = broadcastIndex(batchB, batch);
  std::vector<int32_t> bcol(static_cast<size_t>(K * N));
  for (size_t bi = 0; bi < ia.size(); ++bi) {
    for (int64_t k = 0; k < K; ++k)
      for (int64_t nn = 0; nn < N; ++nn) bcol[k * N + nn] = readCode(b, ib[bi] * K * N + k * N + nn) - zpB(nn);
    int32_t* py = y.data<int32_t>() + bi * M * N;
    for (int64_t m = 0; m < M; ++m) {
      int32_t* row = py + m * N;
      std::fill(row, row + N, 0);
      const int32_t zam = zpA(m);
      for (int64_t k = 0; k < K; ++k) {
        const int32_t av = readCode(a, ia[bi] * M * K + m * K + k) - zam;
        if (av == 0) continue;
        const int32_t* bk = bcol.data() + k * N;
        for (int64_t nn = 0; nn < N; ++nn) row[nn] += av * bk[nn];
      }
    }
  }
  return y;
}

void matMulInteger(OpContext& c) {
  c.outputs[0] = integerMatMul(c, c.in(0), c.has(2) ? c.inputs[2] : nullptr, c.in(1), c.has(3) ? c.inputs[3] : nullptr);
}

// Requantizes int32 accumulators: y = sat(round(acc * multiplier[col]) + zp).
void requantize(OpContext& c, const Tensor& acc, const std::vector<float>& multiplier, int64_t channelInner,
                int64_t channels, const Tensor& yZp) {
  const IntRange r = rangeOf(c, yZp.type);
  const int32_t zp = readCode(yZp, 0);
  Tensor y(yZp.type, acc.shape);
  const int64_t n = acc.size();
  for (int64_t i = 0; i < n; ++i) {
    const float m = multiplier.size() == 1 ? multiplier[0] : multiplier[(i / channelInner) % channels];
    float q = std::nearbyintf(static_cast<float>(acc.data<int32_t>()[i]) * m) + static_cast<float>(zp);
    writeCode(y, i, static_cast<int32_t>(std::clamp(q, static_cast<float>(r.lo), static_cast<float>(r.hi))));
  }
  c.outputs[0] = std::move(y);
}

void qlinearMatMul(OpContext& c) {
  const Tensor& aScale = c.floatIn(1);
  const Tensor& bScale = c.floatIn(4);
  const Tensor& yScale = c.floatIn(6);
  Tensor acc = integerMatMul(c, c.in(0), &c.in(2), c.in(3), &c.in(5));
  const int64_t N = acc.shape.back();
  if (bScale.size() != 1 && bScale.size() != N) c.fail("b_scale must be a scalar or have N values");
  std::vector<float> mult(static_cast<size_t>(bScale.size()));
  for (size_t j = 0; j < mult.size(); ++j) mult[j] = aScale.data<float>()[0] * bScale.data<float>()[j] / yScale.data<float>()[0];
  requantize(c, acc, mult, 1, N, c.in(7));
}

// Integer conv: int32 [N, M, OH, OW] accumulators of (x - zx) * (w - zw[m]).
Tensor integerConv(OpContext& c, const Tensor& x, const Tensor* zx, const Tensor& w, const Tensor* zw) {
  if (x.shape.size() != 4 || w.shape.size() != 4) c.fail("only 2-D convolutions are supported, got X " + shapeString(x.shape));
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t M = w.shape[0], Cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  const int64_t groups = c.node.attrInt("group", 1);
  if (groups < 1 || C % groups || M % groups || Cg != C / groups) c.fail("channels do not match groups");
  const Window win = convWindow(c, H, W, kh, kw, false);
  const int64_t Mg = M / groups, K = Cg * kh * kw, P = win.oh * win.ow;
  const int32_t xz = zx ? readCode(*zx, 0) : 0;
  if (zw && zw->size() != 1 && zw->size() != M) c.fail("w_zero_point must be a scalar or have one value per output channel");
  std::vector<int32_t> xs(static_cast<size_t>(x.size()));
  for (int64_t i = 0; i < x.size(); ++i) xs[i] = readCode(x, i) - xz;
  std::vector<int32_t> ws(static_cast<size_t>(w.size()));
  for (int64_t i = 0; i < w.size(); ++i) ws[i] = readCode(w, i) - (zw ? readCode(*zw, zw->size() == 1 ? 0 : i / K) : 0);
  Tensor y(ElemType::Int32, {N, M, win.oh, win.ow});
  std::vector<int32_t> col(static_cast<size_t>(K * P));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      im2col<int32_t>(win, Cg, H, W, [&](int64_t cc) { return xs.data() + ((n * C) + g * Cg + cc) * H * W; }, 0, col.data());
      for (int64_t m = 0; m < Mg; ++m) {
        int32_t* out = y.data<int32_t>() + (n * M + g * Mg + m) * P;
        std::fill(out, out + P, 0);
        const int32_t* wr = ws.data() + (g * Mg + m) * K;
        for (int64_t k = 0; k < K; ++k) {
          const int32_t wv = wr[k];
          if (wv == 0) continue;
          const int32_t* cr = col.data() + k * P;
          for (int64_t p = 0; p < P; ++p) out[p] += wv * cr[p];
        }
      }
    }
  return y;
}

void convInteger(OpContext& c) {
  c.outputs[0] = integerConv(c, c.in(0), c.has(2) ? c.inputs[2] : nullptr, c.in(1), c.has(3) ? c.inputs[3] : nullptr);
}

void qlinearConv(OpContext& c) {
  const Tensor& xScale = c.floatIn(1);
  const Tensor& wScale = c.floatIn(4);
  const Tensor& yScale = c.floatIn(6);
  Tensor acc = integerConv(c, c.in(0), &c.in(2), c.in(3), &c.in(5));
  const int64_t M = acc.shape[1], P = acc.shape[2] * acc.shape[3];
  if (wScale.size() != 1 && wScale.size() != M) c.fail("w_scale must be a scalar or have one value per output channel");
  if (c.has(8)) {
    const Tensor& bias = c.in(8);
    if (bias.type != ElemType::Int32 || bias.size() != M) c.fail("B must be int32 with one value per output channel");
    for (int64_t i = 0; i < acc.size(); ++i) acc.data<int32_t>()[i] += bias.data<int32_t>()[(i / P) % M];
  }
  std::vector<float> mult(static_cast<size_t>(wScale.size()));
  for (size_t j = 0; j < mult.size(); ++j) mult[j] = xScale.data<float>()[0] * wScale.data<float>()[j] / yScale.data<float>()[0];
  requantize(c, acc, mult, P, M, c.in(7));
}

}  // namespace

void registerQuantOps() {
  registerOp("QuantizeLinear", quantizeLinear);
  registerOp("DequantizeLinear", dequantizeLinear);
  registerOp("DynamicQuantizeLinear", dynamicQuantizeLinear);
  registerOp("MatMulInteger", matMulInteger);
  registerOp("QLinearMatMul", qlinearMatMul);
  registerOp("ConvInteger", convInteger);
  registerOp("QLinearConv", qlinearConv);
}

}  // namespace qwasm::graph
