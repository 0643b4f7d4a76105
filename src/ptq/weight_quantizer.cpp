#include "ptq/weight_quantizer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "quant/qparams.h"

namespace qwasm::ptq {

using graph::ElemType;
using graph::Tensor;

ElemType codeElemType(DType dtype) {
  switch (dtype) {
    case DType::Int8: return ElemType::Int8;
    case DType::UInt8: return ElemType::UInt8;
    case DType::Int4: return ElemType::Int4;
    case DType::UInt4: return ElemType::UInt4;
    // Narrower codes travel in the smallest ONNX container that holds them
    // (int2/int3 in INT4, int5..int7 in INT8): same values, standard ops.
    case DType::Int2: case DType::Int3: return ElemType::Int4;
    case DType::UInt2: case DType::UInt3: return ElemType::UInt4;
    case DType::Int5: case DType::Int6: case DType::Int7: return ElemType::Int8;
    case DType::UInt5: case DType::UInt6: case DType::UInt7: return ElemType::UInt8;
    default:
      throwUnsupported(std::string("weights: ONNX export supports integer codes of 2..8 bits (int2/int3 stored as INT4, int5..int7 as INT8), not '") + dtypeName(dtype) + "'");
  }
}

namespace {

void writeCode(Tensor& t, int64_t i, int32_t v) {
  switch (t.type) {
    case ElemType::Int8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
    case ElemType::UInt8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
    default: {  // 4-bit, element 0 in the low nibble
      uint8_t& b = t.bytes[static_cast<size_t>(i / 2)];
      const uint8_t nib = static_cast<uint8_t>(v & 15);
      b = (i & 1) ? static_cast<uint8_t>((b & 0x0F) | (nib << 4)) : static_cast<uint8_t>((b & 0xF0) | nib);
    }
  }
}

}  // namespace

QuantizedWeight quantizeWeight(const Tensor& w, const WeightQuantOptions& o) {
  if (w.type != ElemType::Float) throwInvalidArgument("weights: only float32 weights can be quantized");
  const int64_t rank = static_cast<int64_t>(w.shape.size());
  const int64_t n = w.size();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(w.data<float>()[i])) throwInvalidArgument("weights: non-finite value at index " + std::to_string(i));
  }
  QuantizedWeight q;
  const ElemType codeType = codeElemType(o.dtype);
  // The dtype whose formulas apply (one bit less with reduceRange).
  const DType qd = !o.reduceRange ? o.dtype : o.dtype == DType::Int8 ? DType::Int7 : o.dtype == DType::UInt8 ? DType::UInt7 : o.dtype;
  // Parameter layout: which parameter slot each element uses.
  int64_t axis = -1, block = 0;
  graph::Shape pshape;
  if (o.blockSize > 0 && o.blockAxis >= 0) {
    if (o.blockAxis >= rank) throwInvalidArgument("weights: block axis out of range");
    axis = o.blockAxis;
    block = o.blockSize;
    pshape = w.shape;
    pshape[axis] = (w.shape[axis] + block - 1) / block;
  } else if (o.channelAxis >= 0) {
    if (o.channelAxis >= rank) throwInvalidArgument("weights: channel axis out of range");
    axis = o.channelAxis;
    pshape = {w.shape[axis]};
  }
  int64_t inner = 1;
  if (axis >= 0) for (int64_t d = axis + 1; d < rank; ++d) inner *= w.shape[d];
  const int64_t dim = axis >= 0 ? w.shape[axis] : 1;
  const int64_t blocks = block > 0 ? pshape[axis] : 1;
  auto slot = [&](int64_t i) -> int64_t {
    if (axis < 0) return 0;
    const int64_t k = (i / inner) % dim;
    if (block == 0) return k;
    return ((i / (inner * dim)) * blocks + k / block) * inner + i % inner;
  };
  const int64_t slots = axis < 0 ? 1 : graph::shapeSize(pshape);
  std::vector<float> lo(static_cast<size_t>(slots), INFINITY), hi(static_cast<size_t>(slots), -INFINITY);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = slot(i);
    lo[s] = std::min(lo[s], w.data<float>()[i]);
    hi[s] = std::max(hi[s], w.data<float>()[i]);
  }
  q.codes = Tensor(codeType, w.shape);
  q.scales = Tensor(ElemType::Float, pshape);
  q.zeroPoints = Tensor(codeType, pshape);
  q.dequantized = Tensor(ElemType::Float, w.shape);
  std::vector<QParams> params(static_cast<size_t>(slots));
  for (int64_t s = 0; s < slots; ++s) {
    const float l = n ? lo[s] : 0.0f, h = n ? hi[s] : 0.0f;
    params[s] = qparamsFromRange(std::isfinite(l) ? l : 0.0f, std::isfinite(h) ? h : 0.0f, qd, o.scheme, o.restrictRange);
    q.scales.data<float>()[s] = params[s].scale;
    writeCode(q.zeroPoints, s, params[s].zeroPoint);
  }
  const CodeRange range = codeRange(qd, o.scheme, o.restrictRange);
  for (int64_t i = 0; i < n; ++i) {
    const QParams& p = params[slot(i)];
    const int32_t code = quantizeValue(w.data<float>()[i], p, range);
    writeCode(q.codes, i, code);
    q.dequantized.data<float>()[i] = dequantizeValue(code, p);
  }
  q.axis = axis;
  q.blockSize = block;
  return q;
}

}  // namespace qwasm::ptq
