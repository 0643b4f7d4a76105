// Quantizing a float32 tensor into any format of SPEC §1, with per-tensor,
// per-channel (any axis) or per-group (last axis) parameters, and back.
// Integer codes are packed densely, little-endian, element 0 in the lowest
// bits; float formats store their bit patterns (fp16/bf16 as 2 bytes LE).
#pragma once

#include <cstdint>
#include <vector>

#include "calib/range_method.h"
#include "quant/dtype.h"
#include "quant/qparams.h"

namespace qwasm {

enum class Granularity : uint8_t { Tensor, Channel, Group };

Granularity parseGranularity(const char* name, const char* argName = "granularity");
const char* granularityName(Granularity g);

struct QuantizeOptions {
  DType dtype = DType::Int8;
  Scheme scheme = Scheme::Symmetric;
  Granularity granularity = Granularity::Tensor;
  int64_t axis = 0;         // channel axis (negative counts from the end)
  int64_t groupSize = 32;   // group / nf4 block size along the last axis
  bool restrictRange = true;
  bool scaled = false;      // float formats: scale so amax maps to the format's max
  calib::RangeOptions range;  // how each slice's [lo, hi] is chosen (min-max by default)
};

struct QuantizedTensor {
  DType dtype = DType::Int8;
  std::vector<int64_t> shape;
  Granularity granularity = Granularity::Tensor;
  int64_t axis = 0;           // normalised channel axis
  int64_t groupSize = 0;
  Scheme scheme = Scheme::Symmetric;
  bool restrictRange = true;
  std::vector<uint8_t> data;  // packed codes
  std::vector<float> scales;  // one per slice: [1], [channels], or [rows, groups]
  std::vector<int32_t> zeroPoints;
  std::vector<int64_t> scaleShape;

  int64_t size() const;
  // Bytes of codes + scales + zero-points (zero-points only when any is non-zero).
  int64_t byteLength() const;
  double bitsPerElement() const;
};

// Throws InvalidArgument naming the argument (shape/length, axis, groupSize,
// first NaN/Inf index for integer formats).
QuantizedTensor quantizeTensor(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& options);
void dequantizeTensor(const QuantizedTensor& q, float* out);
// One code per element: the integer value (signed for signed types), the raw
// bits for fp16/bf16/fp8, the level index for nf4, 0/1 for int1.
std::vector<int32_t> tensorCodes(const QuantizedTensor& q);
// quantize -> dequantize in one pass.
void fakeQuantizeTensor(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& options, float* out);

}  // namespace qwasm
