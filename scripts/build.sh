#!/usr/bin/env bash
# Builds the npm package into dist/: the wasm ES module (CMake + Emscripten)
# and the TypeScript API (tsc). Incremental: a second run only rebuilds what
# changed. QWASM_BUILD_DIR / QWASM_DIST choose other folders (parallel work).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$QWASM_ROOT"
BUILD_DIR="${QWASM_BUILD_DIR:-build/wasm}"
DIST="${QWASM_DIST:-dist}"
DIST_ABS="$(mkdir -p "$DIST" && cd "$DIST" && pwd)"

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  emcmake cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DQWASM_MODULE_DIR="$DIST_ABS/wasm" >/dev/null
fi
cmake --build "$BUILD_DIR" --target qwasm_module -j "$QWASM_JOBS"

node node_modules/typescript/bin/tsc -p bindings/tsconfig.json --outDir "$DIST_ABS"
cp bindings/src/wasm/qwasm_core.d.mts "$DIST_ABS/wasm/qwasm_core.d.mts"
echo "[build] $DIST ready ($(du -h "$DIST_ABS/wasm/qwasm_core.wasm" | cut -f1) wasm)"
