#include "io/protobuf/wire_writer.h"

#include <cstring>

namespace qwasm::io::pb {

void WireWriter::varint(uint64_t value) {
  while (value >= 0x80) {
    buf_.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  buf_.push_back(static_cast<uint8_t>(value));
}

void WireWriter::varintField(uint32_t field, uint64_t value) {
  key(field, 0);
  varint(value);
}

void WireWriter::floatField(uint32_t field, float value) {
  key(field, 5);
  uint8_t bytes[4];
  std::memcpy(bytes, &value, 4);
  buf_.insert(buf_.end(), bytes, bytes + 4);
}

void WireWriter::bytesField(uint32_t field, std::string_view bytes) { bytesField(field, bytes.data(), bytes.size()); }

void WireWriter::bytesField(uint32_t field, const void* data, size_t size) {
  key(field, 2);
  varint(size);
  const auto* p = static_cast<const uint8_t*>(data);
  buf_.insert(buf_.end(), p, p + size);
}

void WireWriter::packedInt64Field(uint32_t field, const std::vector<int64_t>& values) {
  WireWriter inner;
  for (int64_t v : values) inner.varint(static_cast<uint64_t>(v));
  bytesField(field, inner.data(), inner.size());
}

void WireWriter::packedFloatField(uint32_t field, const std::vector<float>& values) {
  bytesField(field, values.data(), values.size() * sizeof(float));
}

}  // namespace qwasm::io::pb
