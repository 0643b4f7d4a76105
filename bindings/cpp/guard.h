// The boundary between C++ and JavaScript. Every bound function runs inside
// guarded(): a C++ exception is caught here, its kind and message stored, and
// a default value returned. The TypeScript wrapper (bindings/src/core.ts)
// checks takeError() after each call and throws a JS Error subclass. No
// exception unwinds through JS frames, so nothing leaks and the instance keeps
// working after bad input.
#pragma once

#include <emscripten/val.h>

#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "common/error.h"

namespace qwasm::bindings {

struct PendingError {
  bool set = false;
  std::string kind;
  std::string message;
};

PendingError& pendingError();

template <class F>
auto guarded(F&& f) -> decltype(f()) {
  using R = decltype(f());
  PendingError& err = pendingError();
  try {
    return f();
  } catch (const Error& e) {
    err = {true, errorKindName(e.kind()), e.what()};
  } catch (const std::bad_alloc&) {
    err = {true, "OutOfMemory", "out of memory: the wasm heap could not grow (4 GiB limit or browser limit)"};
  } catch (const std::exception& e) {
    err = {true, "Internal", e.what()};
  } catch (...) {
    err = {true, "Internal", "unknown C++ exception"};
  }
  if constexpr (std::is_void_v<R>) {
    return;
  } else if constexpr (std::is_same_v<R, emscripten::val>) {
    return emscripten::val::undefined();
  } else {
    return R{};
  }
}

}  // namespace qwasm::bindings
