#include "kernels/quantize/code_packing.h"

#include <cstring>

#include "kernels/quantize/quantize_codes.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

void pack_codes_ref(const uint8_t* codes, size_t n, int bits, uint8_t* packed) noexcept {
  if (bits == 8) {
    if (n) std::memcpy(packed, codes, n);
    return;
  }
  const uint32_t mask = (1u << bits) - 1;
  // Eight codes fill exactly `bits` bytes; a 64-bit accumulator holds them.
  size_t i = 0, o = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t acc = 0;
    for (int j = 0; j < 8; ++j) acc |= static_cast<uint64_t>(codes[i + static_cast<size_t>(j)] & mask) << (j * bits);
    for (int b = 0; b < bits; ++b) packed[o++] = static_cast<uint8_t>(acc >> (8 * b));
  }
  if (i < n) {
    uint64_t acc = 0;
    for (size_t j = 0; i + j < n; ++j) acc |= static_cast<uint64_t>(codes[i + j] & mask) << (j * static_cast<size_t>(bits));
    const size_t tailBytes = ((n - i) * static_cast<size_t>(bits) + 7) / 8;
    for (size_t b = 0; b < tailBytes; ++b) packed[o++] = static_cast<uint8_t>(acc >> (8 * b));
  }
}

void unpack_codes_ref(const uint8_t* packed, size_t n, int bits, bool signExtend, uint8_t* codes) noexcept {
  const uint32_t mask = (1u << bits) - 1, sign = 1u << (bits - 1);
  auto widen = [&](uint32_t c) -> uint8_t {
    c &= mask;
    if (signExtend && bits < 8) c = (c ^ sign) - sign;  // two's complement, low 8 bits kept
    return static_cast<uint8_t>(c);
  };
  if (bits == 8) {
    if (n) std::memcpy(codes, packed, n);
    return;
  }
  size_t i = 0, o = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t acc = 0;
    for (int b = 0; b < bits; ++b) acc |= static_cast<uint64_t>(packed[o++]) << (8 * b);
    for (int j = 0; j < 8; ++j) codes[i + static_cast<size_t>(j)] = widen(static_cast<uint32_t>(acc >> (j * bits)));
  }
  if (i < n) {
    uint64_t acc = 0;
    const size_t tailBytes = ((n - i) * static_cast<size_t>(bits) + 7) / 8;
    for (size_t b = 0; b < tailBytes; ++b) acc |= static_cast<uint64_t>(packed[o++]) << (8 * b);
    for (size_t j = 0; i + j < n; ++j) codes[i + j] = widen(static_cast<uint32_t>(acc >> (j * static_cast<size_t>(bits))));
  }
}

void pack_codes(const uint8_t* codes, size_t n, int bits, uint8_t* packed) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active() && (bits == 4 || bits == 2)) {
    size_t i = 0;
    if (bits == 4) {
      // 32 codes -> 16 bytes: as u16 lanes c0 | c1 << 8, the byte is
      // (lane & 0x0F) | ((lane >> 4) & 0xF0).
      const v128_t lowNib = wasm_i16x8_splat(0x0F), highNib = wasm_i16x8_splat(0xF0);
      for (; i + 32 <= n; i += 32) {
        const v128_t a = wasm_v128_load(codes + i), b = wasm_v128_load(codes + i + 16);
        const v128_t pa = wasm_v128_or(wasm_v128_and(a, lowNib), wasm_v128_and(wasm_u16x8_shr(a, 4), highNib));
        const v128_t pb = wasm_v128_or(wasm_v128_and(b, lowNib), wasm_v128_and(wasm_u16x8_shr(b, 4), highNib));
        wasm_v128_store(packed + i / 2, wasm_u8x16_narrow_i16x8(pa, pb));
      }
    } else {
      // 64 codes -> 16 bytes: as u32 lanes c0 | c1<<8 | c2<<16 | c3<<24 (2 bits
      // each after the mask), fold twice: t = v | v >> 6; byte = t | t >> 12.
      const v128_t mask = wasm_i32x4_splat(0x03030303), low8 = wasm_i32x4_splat(0xFF);
      for (; i + 64 <= n; i += 64) {
        v128_t w[4];
        for (int j = 0; j < 4; ++j) {
          v128_t v = wasm_v128_and(wasm_v128_load(codes + i + 16 * j), mask);
          v = wasm_v128_or(v, wasm_u32x4_shr(v, 6));
          v = wasm_v128_or(v, wasm_u32x4_shr(v, 12));
          w[j] = wasm_v128_and(v, low8);
        }
        const v128_t h0 = wasm_i16x8_narrow_i32x4(w[0], w[1]), h1 = wasm_i16x8_narrow_i32x4(w[2], w[3]);
        wasm_v128_store(packed + i / 4, wasm_u8x16_narrow_i16x8(h0, h1));
      }
    }
    pack_codes_ref(codes + i, n - i, bits, packed + i * static_cast<size_t>(bits) / 8);
    return;
  }
#endif
  pack_codes_ref(codes, n, bits, packed);
}

void unpack_codes(const uint8_t* packed, size_t n, int bits, bool signExtend, uint8_t* codes) noexcept {
#if defined(__wasm_simd128__)
  if (simd_kernels_active() && bits == 4) {
    // 16 bytes -> 32 codes: split nibbles, interleave low/high, sign-extend
    // with (c ^ 8) - 8.
    const v128_t nib = wasm_i8x16_splat(0x0F), eight = wasm_i8x16_splat(8);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
      const v128_t b = wasm_v128_load(packed + i / 2);
      const v128_t lo = wasm_v128_and(b, nib), hi = wasm_u8x16_shr(b, 4);
      v128_t c0 = wasm_i8x16_shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      v128_t c1 = wasm_i8x16_shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      if (signExtend) {
        c0 = wasm_i8x16_sub(wasm_v128_xor(c0, eight), eight);
        c1 = wasm_i8x16_sub(wasm_v128_xor(c1, eight), eight);
      }
      wasm_v128_store(codes + i, c0);
      wasm_v128_store(codes + i + 16, c1);
    }
    unpack_codes_ref(packed + i / 2, n - i, bits, signExtend, codes + i);
    return;
  }
#endif
  unpack_codes_ref(packed, n, bits, signExtend, codes);
}

}  // namespace qwasm::kernels
