// Errors thrown by the core. The bindings catch them at the boundary and hand
// kind + message to JavaScript, which rethrows a matching Error subclass; no
// C++ exception ever crosses into JS, so the wasm instance stays usable.
#pragma once

#include <stdexcept>
#include <string>

namespace qwasm {

enum class ErrorKind {
  InvalidArgument,  // a caller's argument is wrong (names the argument)
  Unsupported,      // valid input we do not handle (names op / dtype)
  Format,           // a corrupt or truncated file (names the byte offset)
  Internal,         // a bug of ours
};

const char* errorKindName(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void throwInvalidArgument(const std::string& message) {
  throw Error(ErrorKind::InvalidArgument, message);
}
[[noreturn]] inline void throwUnsupported(const std::string& message) {
  throw Error(ErrorKind::Unsupported, message);
}
[[noreturn]] inline void throwFormat(const std::string& message) {
  throw Error(ErrorKind::Format, message);
}

}  // namespace qwasm
