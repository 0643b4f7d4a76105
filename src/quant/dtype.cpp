#include "quant/dtype.h"

#include <array>

#include "common/error.h"

namespace qwasm {
namespace {

constexpr std::array<DTypeInfo, 21> kInfos = {{
    {DType::Int1, "int1", 1, true, true},
    {DType::Int2, "int2", 2, true, true},
    {DType::Int3, "int3", 3, true, true},
    {DType::Int4, "int4", 4, true, true},
    {DType::Int5, "int5", 5, true, true},
    {DType::Int6, "int6", 6, true, true},
    {DType::Int7, "int7", 7, true, true},
    {DType::Int8, "int8", 8, true, true},
    {DType::UInt2, "uint2", 2, true, false},
    {DType::UInt3, "uint3", 3, true, false},
    {DType::UInt4, "uint4", 4, true, false},
    {DType::UInt5, "uint5", 5, true, false},
    {DType::UInt6, "uint6", 6, true, false},
    {DType::UInt7, "uint7", 7, true, false},
    {DType::UInt8, "uint8", 8, true, false},
    {DType::FP16, "fp16", 16, false, true},
    {DType::BF16, "bf16", 16, false, true},
    {DType::FP8E4M3, "fp8-e4m3", 8, false, true},
    {DType::FP8E5M2, "fp8-e5m2", 8, false, true},
    {DType::NF4, "nf4", 4, false, true},
    {DType::FP32, "fp32", 32, false, true},
}};

std::string validNames() {
  std::string out;
  for (const DTypeInfo& info : kInfos) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace

const DTypeInfo& dtypeInfo(DType dtype) {
  const auto index = static_cast<size_t>(dtype);
  if (index >= kInfos.size()) throw Error(ErrorKind::Internal, "dtypeInfo: bad enum value");
  return kInfos[index];
}

DType parseDType(std::string_view name, const char* argName) {
  for (const DTypeInfo& info : kInfos) {
    if (name == info.name) return info.dtype;
  }
  throwInvalidArgument(std::string(argName) + ": unknown dtype '" + std::string(name) + "' (valid: " + validNames() + ")");
}

const std::vector<DType>& allDTypes() {
  static const std::vector<DType> all = [] {
    std::vector<DType> v;
    for (const DTypeInfo& info : kInfos) v.push_back(info.dtype);
    return v;
  }();
  return all;
}

Scheme parseScheme(std::string_view name, const char* argName) {
  if (name == "symmetric") return Scheme::Symmetric;
  if (name == "asymmetric") return Scheme::Asymmetric;
  throwInvalidArgument(std::string(argName) + ": unknown scheme '" + std::string(name) + "' (valid: symmetric, asymmetric)");
}

const char* schemeName(Scheme scheme) {
  return scheme == Scheme::Symmetric ? "symmetric" : "asymmetric";
}

Scheme defaultScheme(DType dtype) {
  return isSignedDType(dtype) ? Scheme::Symmetric : Scheme::Asymmetric;
}

CodeRange fullCodeRange(DType dtype) {
  const DTypeInfo& info = dtypeInfo(dtype);
  if (!info.isInteger) throwInvalidArgument(std::string("dtype '") + info.name + "' has no integer code range");
  if (dtype == DType::Int1) return {0, 1};
  if (info.isSigned) return {-(1 << (info.bits - 1)), (1 << (info.bits - 1)) - 1};
  return {0, (1 << info.bits) - 1};
}

}  // namespace qwasm
