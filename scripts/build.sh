#!/usr/bin/env bash
# Builds the npm package into dist/: the wasm ES module (CMake + Emscripten)
# and the TypeScript API (tsc). Incremental: a second run only rebuilds what
# changed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$QWASM_ROOT"

if [ ! -f build/wasm/CMakeCache.txt ]; then
  emcmake cmake -G Ninja -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build/wasm --target qwasm_module -j "$QWASM_JOBS"

node node_modules/typescript/bin/tsc -p bindings/tsconfig.json
cp bindings/src/wasm/qwasm_core.d.mts dist/wasm/qwasm_core.d.mts
echo "[build] dist/ ready ($(du -h dist/wasm/qwasm_core.wasm | cut -f1) wasm)"
