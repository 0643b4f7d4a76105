#include "common/error.h"

namespace qwasm {

const char* errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidArgument: return "InvalidArgument";
    case ErrorKind::Unsupported: return "Unsupported";
    case ErrorKind::Format: return "Format";
    case ErrorKind::Internal: return "Internal";
  }
  return "Internal";
}

}  // namespace qwasm
