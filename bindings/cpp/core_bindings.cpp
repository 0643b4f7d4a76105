// Module-wide bindings: build info and the error channel used by guarded().
#include <emscripten/bind.h>
#include <malloc.h>

#include "common/build_info.h"
#include "guard.h"

namespace qwasm::bindings {

PendingError& pendingError() {
  static PendingError error;
  return error;
}

namespace {

// Returns {kind, message} of the error left by the last guarded call, or null,
// and clears it.
emscripten::val takeError() {
  PendingError& err = pendingError();
  if (!err.set) return emscripten::val::null();
  emscripten::val out = emscripten::val::object();
  out.set("kind", err.kind);
  out.set("message", err.message);
  err = {};
  return out;
}

emscripten::val buildInfoValue() {
  BuildInfo info = buildInfo();
  emscripten::val out = emscripten::val::object();
  out.set("version", info.version);
  out.set("target", info.target);
  out.set("simd", info.simd);
  out.set("isa", info.isa);
  return out;
}

// Bytes the C++ heap has handed out and not freed: what leak tests watch.
emscripten::val heapStats() {
  struct mallinfo mi = mallinfo();
  emscripten::val out = emscripten::val::object();
  out.set("allocatedBytes", static_cast<double>(mi.uordblks));
  out.set("arenaBytes", static_cast<double>(mi.arena));
  return out;
}

}  // namespace
}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(qwasm_core) {
  emscripten::function("takeError", &qwasm::bindings::takeError);
  emscripten::function("buildInfo", &qwasm::bindings::buildInfoValue);
  emscripten::function("heapStats", &qwasm::bindings::heapStats);
}
