// Conversions between float32 and the small float formats of SPEC §1:
// fp16 (IEEE binary16), bf16, fp8 e4m3 (OCP E4M3FN) and fp8 e5m2. All round
// to nearest, ties to even. fp16 and bf16 overflow to ±inf (as numpy and
// PyTorch); the fp8 formats saturate to ±max (ONNX Cast saturate=1). NaN
// stays NaN; ±0 keep their sign; subnormals are kept.
#pragma once

#include <cstdint>

namespace qwasm::formats {

uint16_t floatToHalf(float x) noexcept;
float halfToFloat(uint16_t h) noexcept;
uint16_t floatToBFloat16(float x) noexcept;
float bfloat16ToFloat(uint16_t b) noexcept;
uint8_t floatToFp8E4M3(float x) noexcept;
float fp8E4M3ToFloat(uint8_t v) noexcept;
uint8_t floatToFp8E5M2(float x) noexcept;
float fp8E5M2ToFloat(uint8_t v) noexcept;

constexpr float kFp16Max = 65504.0f;
constexpr float kFp8E4M3Max = 448.0f;
constexpr float kFp8E5M2Max = 57344.0f;

}  // namespace qwasm::formats
