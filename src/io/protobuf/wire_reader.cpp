#include "io/protobuf/wire_reader.h"

#include <cstring>

#include "common/error.h"

namespace qwasm::io::pb {

void WireReader::fail(const std::string& what) const {
  throwFormat("protobuf: " + what + " at byte offset " + std::to_string(offset()));
}

void WireReader::need(size_t n) const {
  if (n > size_ - pos_) fail("truncated data (need " + std::to_string(n) + " bytes, " + std::to_string(size_ - pos_) + " left)");
}

bool WireReader::next(uint32_t& field, WireType& type) {
  if (done()) return false;
  const size_t at = pos_;
  const uint64_t key = varint();
  const uint64_t number = key >> 3;
  const uint32_t wt = static_cast<uint32_t>(key & 7);
  if (number == 0 || number > 0x1FFFFFFF || wt == 6 || wt == 7) {
    pos_ = at;
    fail("invalid field key " + std::to_string(key));
  }
  field = static_cast<uint32_t>(number);
  type = static_cast<WireType>(wt);
  return true;
}

uint64_t WireReader::varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    need(1);
    const uint8_t byte = data_[pos_++];
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return value;
  }
  fail("varint longer than 10 bytes");
}

uint32_t WireReader::fixed32() {
  need(4);
  uint32_t v;
  std::memcpy(&v, data_ + pos_, 4);  // wasm and x86/ARM hosts are little-endian, as protobuf
  pos_ += 4;
  return v;
}

uint64_t WireReader::fixed64() {
  need(8);
  uint64_t v;
  std::memcpy(&v, data_ + pos_, 8);
  pos_ += 8;
  return v;
}

float WireReader::float32() {
  const uint32_t bits = fixed32();
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

double WireReader::float64() {
  const uint64_t bits = fixed64();
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

std::string_view WireReader::bytes() {
  const uint64_t len = varint();
  if (len > size_ - pos_) fail("length " + std::to_string(len) + " runs past the end of its message");
  std::string_view out(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
  return out;
}

WireReader WireReader::message() {
  const uint64_t len = varint();
  if (len > size_ - pos_) fail("length " + std::to_string(len) + " runs past the end of its message");
  WireReader sub(data_ + pos_, static_cast<size_t>(len), base_ + pos_);
  pos_ += static_cast<size_t>(len);
  return sub;
}

void WireReader::skip(WireType type) {
  switch (type) {
    case WireType::Varint: varint(); return;
    case WireType::Fixed64: need(8); pos_ += 8; return;
    case WireType::Fixed32: need(4); pos_ += 4; return;
    case WireType::LengthDelimited: bytes(); return;
    default: fail("unsupported wire type " + std::to_string(static_cast<int>(type)));
  }
}

}  // namespace qwasm::io::pb
