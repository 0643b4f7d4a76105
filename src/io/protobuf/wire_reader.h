// A bounds-checked reader of the protobuf wire format — just enough to decode
// ONNX without a code generator. Every read checks the remaining length and
// throws a Format error naming the absolute byte offset on truncation or
// malformed data, so a corrupt file can never read past its buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qwasm::io::pb {

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, LengthDelimited = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5 };

class WireReader {
 public:
  // `base` is the offset of `data` within the whole file (for messages).
  WireReader(const uint8_t* data, size_t size, size_t base = 0) : data_(data), size_(size), base_(base) {}

  bool done() const { return pos_ >= size_; }
  size_t offset() const { return base_ + pos_; }  // absolute offset in the file

  // Reads the next field key; returns false at the end of the message.
  bool next(uint32_t& field, WireType& type);

  uint64_t varint();
  int64_t int64() { return static_cast<int64_t>(varint()); }
  uint32_t fixed32();
  uint64_t fixed64();
  float float32();
  double float64();
  // A length-delimited payload as a sub-reader positioned at its start.
  WireReader message();
  std::string_view bytes();
  std::string string() { return std::string(bytes()); }
  // Skips the value of a field of this wire type.
  void skip(WireType type);

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void need(size_t n) const;

  const uint8_t* data_;
  size_t size_;
  size_t base_;
  size_t pos_ = 0;
};

}  // namespace qwasm::io::pb
