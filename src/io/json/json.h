// A small strict JSON reader and writer, enough for safetensors headers and
// calibration files. Parse errors throw Format naming the byte offset.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qwasm::io::json {

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool b = false;
  double number = 0;
  std::string str;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // keeps file order

  const Value* find(std::string_view key) const;
  bool isObject() const { return kind == Kind::Object; }
  bool isArray() const { return kind == Kind::Array; }
  bool isString() const { return kind == Kind::String; }
  bool isNumber() const { return kind == Kind::Number; }
};

// `baseOffset` is added to offsets in error messages (position in the file).
Value parse(std::string_view text, size_t baseOffset = 0);
std::string quote(std::string_view s);  // a JSON string literal

}  // namespace qwasm::io::json
