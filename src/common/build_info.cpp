#include "common/build_info.h"

#ifndef QWASM_VERSION
#define QWASM_VERSION "0.0.0-dev"
#endif

namespace qwasm {

BuildInfo buildInfo() {
  BuildInfo info;
  info.version = QWASM_VERSION;
#if defined(__wasm__)
  info.target = "wasm32";
#if defined(__wasm_simd128__)
  info.simd = true;
  info.isa = "wasm-simd128";
#else
  info.simd = false;
  info.isa = "wasm-scalar";
#endif
#else
  info.target = "native";
#if defined(__x86_64__)
  info.isa = "x86-64";
#elif defined(__aarch64__)
  info.isa = "aarch64";
#else
  info.isa = "generic";
#endif
  // Native builds run the scalar references; the SIMD kernels are wasm-only.
  info.simd = false;
#endif
  return info;
}

}  // namespace qwasm
