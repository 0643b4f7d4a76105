// The runtime tensor of the model executor: an element type (ONNX's
// TensorProto.DataType numbering, so files map 1:1), a shape, and the bytes,
// stored little-endian and densely (sub-byte types packed as SPEC §1).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace qwasm::graph {

enum class ElemType : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
  Float8E4M3FN = 17,
  Float8E5M2 = 19,
  UInt4 = 21,
  Int4 = 22,
};

const char* elemTypeName(ElemType type);
// Bits per element; 0 for types we cannot hold (strings, complex).
int elemBits(ElemType type);
bool isKnownElemType(int32_t value);

using Shape = std::vector<int64_t>;

// Number of elements; throws Format on negative dims or overflow past 2^40.
int64_t shapeSize(const Shape& shape);
std::string shapeString(const Shape& shape);

struct Tensor {
  ElemType type = ElemType::Float;
  Shape shape;
  std::vector<uint8_t> bytes;

  Tensor() = default;
  Tensor(ElemType t, Shape s);  // zero-filled

  int64_t size() const { return shapeSize(shape); }
  template <class T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <class T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }

  static Tensor fromFloats(Shape s, const float* values);
  static Tensor scalarInt64(int64_t v);
  // Reads element i as int64 (integer types) — for shape-computing ops.
  int64_t intAt(int64_t i) const;
  // Reads element i as float (float, double, integer types).
  float floatAt(int64_t i) const;
  // All elements as int64 / float (converting).
  std::vector<int64_t> toInt64s() const;
};

}  // namespace qwasm::graph
