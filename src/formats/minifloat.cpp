#include "formats/minifloat.h"

#include <cmath>
#include <cstring>

namespace qwasm::formats {

namespace {

struct Spec {
  int expBits;
  int manBits;
  int bias;
  bool ieeeInf;      // top exponent is inf/NaN (fp16, e5m2); else E4M3FN: only S.1111.111 is NaN
  bool saturate;     // out-of-range values clamp to ±max instead of becoming inf
  uint32_t maxCode;  // magnitude code of the largest finite value
  uint32_t nanCode;  // magnitude code of the canonical NaN
};

constexpr Spec kHalf{5, 10, 15, true, false, 0x7BFF, 0x7E00};
constexpr Spec kE4M3{4, 3, 7, false, true, 0x7E, 0x7F};
constexpr Spec kE5M2{5, 2, 15, true, true, 0x7B, 0x7E};

// Exact in double: every float32 and every scaling by a power of two in range.
uint32_t encode(float x, const Spec& s) {
  const uint32_t signBit = 1u << (s.expBits + s.manBits);
  const uint32_t sign = std::signbit(x) ? signBit : 0;
  if (std::isnan(x)) return sign | s.nanCode;
  const double a = std::fabs(static_cast<double>(x));
  const uint32_t infCode = ((1u << s.expBits) - 1) << s.manBits;
  if (std::isinf(a)) return sign | (s.saturate ? s.maxCode : infCode);
  if (a == 0.0) return sign;
  const int minExp = 1 - s.bias;  // exponent of the smallest normal
  int e;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
  e -= 1;             // a = g * 2^e, g in [1, 2)
  uint32_t code;
  if (e < minExp) {
    // Subnormal: units of 2^(minExp - manBits); may round up into the first normal.
    const double q = std::nearbyint(std::ldexp(a, s.manBits - minExp));
    code = static_cast<uint32_t>(q);
  } else {
    double q = std::nearbyint(std::ldexp(a, s.manBits - e));  // in [2^m, 2^(m+1)]
    if (q >= std::ldexp(1.0, s.manBits + 1)) {
      q = std::ldexp(q, -1);
      ++e;
    }
    const uint64_t biased = static_cast<uint64_t>(e + s.bias);
    const uint64_t full = (biased << s.manBits) | (static_cast<uint64_t>(q) - (1u << s.manBits));
    code = full > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<uint32_t>(full);
  }
  if (code > s.maxCode) code = s.saturate ? s.maxCode : infCode;
  return sign | code;
}

float decode(uint32_t v, const Spec& s) noexcept {
  const uint32_t signBit = 1u << (s.expBits + s.manBits);
  const uint32_t mag = v & (signBit - 1);
  const uint32_t exp = mag >> s.manBits, man = mag & ((1u << s.manBits) - 1);
  const uint32_t topExp = (1u << s.expBits) - 1;
  double out;
  if (s.ieeeInf && exp == topExp) {
    out = man ? NAN : INFINITY;
  } else if (!s.ieeeInf && mag == s.nanCode) {
    out = NAN;
  } else if (exp == 0) {
    out = std::ldexp(static_cast<double>(man), 1 - s.bias - s.manBits);
  } else {
    out = std::ldexp(static_cast<double>(man | (1u << s.manBits)), static_cast<int>(exp) - s.bias - s.manBits);
  }
  return static_cast<float>((v & signBit) ? -out : out);
}

}  // namespace

// Bit manipulation with round-to-nearest-even (after F. Giesen's
// float_to_half_fast3_rtne); equal to encode(x, kHalf), which the exhaustive
// round-trip test and the numpy fixture pin.
uint16_t floatToHalf(float x) noexcept {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  const uint32_t sign = u & 0x80000000u;
  u ^= sign;
  uint32_t o;
  if (u >= 0x47800000u) {            // >= 65536 (or inf/NaN)
    o = u > 0x7F800000u ? 0x7E00u : 0x7C00u;
  } else if (u < 0x38800000u) {      // below the smallest normal half: let the FPU round
    const uint32_t magicBits = 0x3F000000u;  // 0.5f: aligns half subnormals to the float's last bits
    float f, magic;
    std::memcpy(&f, &u, 4);
    std::memcpy(&magic, &magicBits, 4);
    f += magic;
    std::memcpy(&o, &f, 4);
    o -= magicBits;
  } else {
    const uint32_t mantOdd = (u >> 13) & 1u;
    u += 0xC8000FFFu;  // rebias exponent (15 - 127) << 23, plus rounding bias 0xFFF
    u += mantOdd;
    o = u >> 13;
  }
  return static_cast<uint16_t>(o | (sign >> 16));
}
float halfToFloat(uint16_t h) noexcept { return decode(h, kHalf); }
uint8_t floatToFp8E4M3(float x) noexcept { return static_cast<uint8_t>(encode(x, kE4M3)); }
float fp8E4M3ToFloat(uint8_t v) noexcept { return decode(v, kE4M3); }
uint8_t floatToFp8E5M2(float x) noexcept { return static_cast<uint8_t>(encode(x, kE5M2)); }
float fp8E5M2ToFloat(uint8_t v) noexcept { return decode(v, kE5M2); }

uint16_t floatToBFloat16(float x) noexcept {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if (std::isnan(x)) return static_cast<uint16_t>((bits >> 16) | 0x0040);  // stays a (quiet) NaN
  const uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float bfloat16ToFloat(uint16_t b) noexcept {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace qwasm::formats
