// Quantizes a weight initializer into the tensors an ONNX DequantizeLinear
// reads: integer codes (int8/uint8/int4/uint4), scales and zero-points, per
// tensor, per channel (one axis) or per block (ONNX opset-21 block_size
// along one axis). Formulas from quant/qparams.h.
#pragma once

#include <cstdint>

#include "graph/tensor.h"
#include "quant/dtype.h"

namespace qwasm::ptq {

struct WeightQuantOptions {
  DType dtype = DType::Int8;      // int8, uint8, int4, uint4 (what ONNX DequantizeLinear reads)
  Scheme scheme = Scheme::Symmetric;
  bool restrictRange = true;
  // 7-bit codes in an 8-bit container (int8: [-63, 63]), as ONNX Runtime's
  // reduce_range: its x86 u8s8 kernels without VNNI saturate int16 pair sums,
  // which full-range weights can hit.
  bool reduceRange = false;
  int64_t channelAxis = -1;       // per-channel along this axis (-1: per-tensor unless blocked)
  int64_t blockAxis = -1;         // blocked along this axis (takes precedence)
  int64_t blockSize = 0;
};

struct QuantizedWeight {
  graph::Tensor codes;        // ElemType Int8 / UInt8 / Int4 / UInt4, same shape as the weight
  graph::Tensor scales;       // float32: [] per-tensor, [dim] per-channel, blocked shape per ONNX
  graph::Tensor zeroPoints;   // same element type as codes, shape of scales
  graph::Tensor dequantized;  // float32 (q - z) * s, same shape as the weight
  int64_t axis = -1;          // DequantizeLinear axis attribute (-1: none)
  int64_t blockSize = 0;      // DequantizeLinear block_size (0: none)
};

graph::ElemType codeElemType(DType dtype);
QuantizedWeight quantizeWeight(const graph::Tensor& weight, const WeightQuantOptions& options);

}  // namespace qwasm::ptq
