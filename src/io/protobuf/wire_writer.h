// Writes the protobuf wire format: the counterpart of WireReader, used to
// export ONNX models. Nested messages are written by building them in their
// own WireWriter and adding the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qwasm::io::pb {

class WireWriter {
 public:
  void varintField(uint32_t field, uint64_t value);
  void int64Field(uint32_t field, int64_t value) { varintField(field, static_cast<uint64_t>(value)); }
  void floatField(uint32_t field, float value);
  void bytesField(uint32_t field, std::string_view bytes);
  void bytesField(uint32_t field, const void* data, size_t size);
  void messageField(uint32_t field, const WireWriter& message) { bytesField(field, message.data(), message.size()); }
  // Packed repeated fields.
  void packedInt64Field(uint32_t field, const std::vector<int64_t>& values);
  void packedFloatField(uint32_t field, const std::vector<float>& values);

  const uint8_t* data() const { return buf_.data(); }
  size_t size() const { return buf_.size(); }
  std::vector<uint8_t> take() { return std::move(buf_); }

 private:
  void key(uint32_t field, uint32_t wireType) { varint((static_cast<uint64_t>(field) << 3) | wireType); }
  void varint(uint64_t value);
  std::vector<uint8_t> buf_;
};

}  // namespace qwasm::io::pb
