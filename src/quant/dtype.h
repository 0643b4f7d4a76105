// The number formats of qwasm (SPEC §1) and what each one is: bit width,
// integer or float, signed or not, and the integer code range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qwasm {

enum class DType : uint8_t {
  // binary: code 0/1 means -1/+1 times the scale
  Int1,
  // signed integers, two's complement in `bits`
  Int2, Int3, Int4, Int5, Int6, Int7, Int8,
  // unsigned integers
  UInt2, UInt3, UInt4, UInt5, UInt6, UInt7, UInt8,
  // floating formats
  FP16, BF16, FP8E4M3, FP8E5M2,
  NF4,   // the 16 NormalFloat levels of QLoRA, per-block absmax
  FP32,  // "not quantized", for linear layers and reports
};

enum class Scheme : uint8_t { Symmetric, Asymmetric };

struct DTypeInfo {
  DType dtype;
  const char* name;  // the JS name: "int8", "uint4", "fp8-e4m3", ...
  int bits;          // storage bits per element
  bool isInteger;    // integer codes with scale (+ zero-point); NF4 counts as not integer
  bool isSigned;
};

const DTypeInfo& dtypeInfo(DType dtype);
inline const char* dtypeName(DType dtype) { return dtypeInfo(dtype).name; }
inline int dtypeBits(DType dtype) { return dtypeInfo(dtype).bits; }
inline bool isIntegerDType(DType dtype) { return dtypeInfo(dtype).isInteger; }
inline bool isSignedDType(DType dtype) { return dtypeInfo(dtype).isSigned; }

// Parses a JS dtype name; throws InvalidArgument naming `argName` and listing
// the valid names when unknown.
DType parseDType(std::string_view name, const char* argName = "dtype");
// All dtypes, in declaration order (tests iterate over them).
const std::vector<DType>& allDTypes();

Scheme parseScheme(std::string_view name, const char* argName = "scheme");
const char* schemeName(Scheme scheme);
// Signed integer types default to symmetric, unsigned to asymmetric.
Scheme defaultScheme(DType dtype);

// The full code range of an integer dtype: int8 [-128, 127], uint4 [0, 15],
// int1 [0, 1].
struct CodeRange {
  int32_t qmin;
  int32_t qmax;
};
CodeRange fullCodeRange(DType dtype);

}  // namespace qwasm
