// What this build of the core is: its version and which kernel ISA it was
// compiled for. The playground and `qw.buildInfo` show it, so a user can see
// that SIMD wasm is really running.
#pragma once

#include <string>

namespace qwasm {

struct BuildInfo {
  std::string version;  // semantic version of the core
  std::string target;   // "wasm32" or the native architecture
  bool simd;            // true when wasm SIMD128 (or native SIMD) kernels are compiled in
  std::string isa;      // "wasm-simd128", "wasm-scalar", "x86-64", "aarch64", ...
};

BuildInfo buildInfo();

}  // namespace qwasm
