// Dense packing of b-bit codes (b = 1..8) — SPEC §1 "Packing": little-endian,
// element 0 in the least significant bits of byte 0 (ONNX INT4's layout).
// Codes travel between the quantize/dequantize kernels and the packed
// storage as one byte per element (the code's low 8 bits).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwasm::kernels {

// Writes ceil(n * bits / 8) bytes to `packed` (whole bytes: the unused high
// bits of the last byte are 0). Only the low `bits` bits of each code count.
void pack_codes_ref(const uint8_t* codes, size_t n, int bits, uint8_t* packed) noexcept;
void pack_codes(const uint8_t* codes, size_t n, int bits, uint8_t* packed) noexcept;

// The inverse: n codes of `bits` bits, starting at bit 0 of packed[0]. With
// signExtend, each code is widened as a two's-complement b-bit integer
// (0b1111 -> 0xFF = -1 as int8); otherwise zero-extended.
void unpack_codes_ref(const uint8_t* packed, size_t n, int bits, bool signExtend, uint8_t* codes) noexcept;
void unpack_codes(const uint8_t* packed, size_t n, int bits, bool signExtend, uint8_t* codes) noexcept;

}  // namespace qwasm::kernels
