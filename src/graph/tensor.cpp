#include "graph/tensor.h"

#include "common/error.h"

namespace qwasm::graph {

const char* elemTypeName(ElemType type) {
  switch (type) {
    case ElemType::Float: return "float32";
    case ElemType::UInt8: return "uint8";
    case ElemType::Int8: return "int8";
    case ElemType::UInt16: return "uint16";
    case ElemType::Int16: return "int16";
    case ElemType::Int32: return "int32";
    case ElemType::Int64: return "int64";
    case ElemType::String: return "string";
    case ElemType::Bool: return "bool";
    case ElemType::Float16: return "float16";
    case ElemType::Double: return "float64";
    case ElemType::UInt32: return "uint32";
    case ElemType::UInt64: return "uint64";
    case ElemType::BFloat16: return "bfloat16";
    case ElemType::Float8E4M3FN: return "float8e4m3fn";
    case ElemType::Float8E5M2: return "float8e5m2";
    case ElemType::UInt4: return "uint4";
    case ElemType::Int4: return "int4";
    default: return "undefined";
  }
}

int elemBits(ElemType type) {
  switch (type) {
    case ElemType::Float: case ElemType::Int32: case ElemType::UInt32: return 32;
    case ElemType::UInt8: case ElemType::Int8: case ElemType::Bool:
    case ElemType::Float8E4M3FN: case ElemType::Float8E5M2: return 8;
    case ElemType::UInt16: case ElemType::Int16: case ElemType::Float16: case ElemType::BFloat16: return 16;
    case ElemType::Int64: case ElemType::Double: case ElemType::UInt64: return 64;
    case ElemType::UInt4: case ElemType::Int4: return 4;
    default: return 0;
  }
}

bool isKnownElemType(int32_t v) {
  return elemBits(static_cast<ElemType>(v)) != 0 || v == static_cast<int32_t>(ElemType::String);
}

int64_t shapeSize(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throwFormat("tensor shape " + shapeString(shape) + " has a negative dimension");
    if (d != 0 && n > (int64_t{1} << 40) / d) throwFormat("tensor shape " + shapeString(shape) + " is absurdly large");
    n *= d;
  }
  return n;
}

std::string shapeString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Tensor::Tensor(ElemType t, Shape s) : type(t), shape(std::move(s)) {
  const int bits = elemBits(t);
  if (bits == 0) throwUnsupported(std::string("tensor element type ") + elemTypeName(t) + " is not supported");
  bytes.assign(static_cast<size_t>((shapeSize(shape) * bits + 7) / 8), 0);
}

Tensor Tensor::fromFloats(Shape s, const float* values) {
  Tensor t(ElemType::Float, std::move(s));
  if (!t.bytes.empty()) std::memcpy(t.bytes.data(), values, t.bytes.size());
  return t;
}

Tensor Tensor::scalarInt64(int64_t v) {
  Tensor t(ElemType::Int64, {});
  *t.data<int64_t>() = v;
  return t;
}

int64_t Tensor::intAt(int64_t i) const {
  switch (type) {
    case ElemType::Int64: return data<int64_t>()[i];
    case ElemType::Int32: return data<int32_t>()[i];
    case ElemType::UInt32: return data<uint32_t>()[i];
    case ElemType::Int16: return data<int16_t>()[i];
    case ElemType::UInt16: return data<uint16_t>()[i];
    case ElemType::Int8: return data<int8_t>()[i];
    case ElemType::UInt8: case ElemType::Bool: return data<uint8_t>()[i];
    case ElemType::UInt64: return static_cast<int64_t>(data<uint64_t>()[i]);
    case ElemType::Float: return static_cast<int64_t>(data<float>()[i]);
    case ElemType::Double: return static_cast<int64_t>(data<double>()[i]);
    default: throwUnsupported(std::string("cannot read ") + elemTypeName(type) + " as an integer");
  }
}

float Tensor::floatAt(int64_t i) const {
  switch (type) {
    case ElemType::Float: return data<float>()[i];
    case ElemType::Double: return static_cast<float>(data<double>()[i]);
    default: return static_cast<float>(intAt(i));
  }
}

std::vector<int64_t> Tensor::toInt64s() const {
  std::vector<int64_t> out(static_cast<size_t>(size()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = intAt(static_cast<int64_t>(i));
  return out;
}

}  // namespace qwasm::graph
