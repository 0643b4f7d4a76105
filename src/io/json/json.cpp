#include "io/json/json.h"

#include <cstdlib>

#include "common/error.h"

namespace qwasm::io::json {

namespace {

class Parser {
 public:
  Parser(std::string_view t, size_t base) : t_(t), base_(base) {}

  Value document() {
    Value v = value(0);
    ws();
    if (p_ != t_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throwFormat("json: " + what + " at byte offset " + std::to_string(base_ + p_));
  }
  void ws() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\n' || t_[p_] == '\r' || t_[p_] == '\t')) ++p_;
  }
  char peek() {
    ws();
    if (p_ >= t_.size()) fail("unexpected end");
    return t_[p_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++p_;
  }
  Value value(int depth) {
    if (depth > 64) fail("nesting too deep");
    const char c = peek();
    Value v;
    if (c == '{') {
      v.kind = Value::Kind::Object;
      ++p_;
      if (peek() == '}') { ++p_; return v; }
      while (true) {
        if (peek() != '"') fail("expected a key");
        std::string key = string();
        expect(':');
        v.object.emplace_back(std::move(key), value(depth + 1));
        if (peek() == ',') { ++p_; continue; }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Value::Kind::Array;
      ++p_;
      if (peek() == ']') { ++p_; return v; }
      while (true) {
        v.array.push_back(value(depth + 1));
        if (peek() == ',') { ++p_; continue; }
        expect(']');
        return v;
      }
    }
    if (c == '"') { v.kind = Value::Kind::String; v.str = string(); return v; }
    if (t_.substr(p_, 4) == "true") { p_ += 4; v.kind = Value::Kind::Bool; v.b = true; return v; }
    if (t_.substr(p_, 5) == "false") { p_ += 5; v.kind = Value::Kind::Bool; return v; }
    if (t_.substr(p_, 4) == "null") { p_ += 4; return v; }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t start = p_;
      while (p_ < t_.size() && (std::string_view("+-.eE0123456789").find(t_[p_]) != std::string_view::npos)) ++p_;
      const std::string num(t_.substr(start, p_ - start));
      char* end = nullptr;
      v.number = std::strtod(num.c_str(), &end);
      if (end != num.c_str() + num.size()) { p_ = start; fail("bad number"); }
      v.kind = Value::Kind::Number;
      return v;
    }
    fail("unexpected character");
  }
  std::string string() {
    ++p_;  // opening quote
    std::string out;
    while (true) {
      if (p_ >= t_.size()) fail("unterminated string");
      const char c = t_[p_++];
      if (c == '"') return out;
      if (c != '\\') { out += c; continue; }
      if (p_ >= t_.size()) fail("unterminated escape");
      const char e = t_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (p_ + 4 > t_.size()) fail("bad \\u escape");
          const unsigned cp = static_cast<unsigned>(std::strtoul(std::string(t_.substr(p_, 4)).c_str(), nullptr, 16));
          p_ += 4;
          if (cp < 0x80) out += static_cast<char>(cp);
          else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
          else { out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view t_;
  size_t base_;
  size_t p_ = 0;
};

}  // namespace

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : object) if (k == key) return &v;
  return nullptr;
}

Value parse(std::string_view text, size_t baseOffset) { return Parser(text, baseOffset).document(); }

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += c; }
    else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[(c >> 4) & 15];
      out += hex[c & 15];
    } else out += c;
  }
  return out + "\"";
}

}  // namespace qwasm::io::json
