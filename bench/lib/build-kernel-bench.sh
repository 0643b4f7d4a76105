#!/usr/bin/env bash
# Builds bench/lib/kernel-bench.cpp against a wasm build of the core into
# build/kernel-bench/kernel_bench.cjs (loaded by bench/suites/conv.mjs).
#   bash bench/lib/build-kernel-bench.sh [wasm build dir, default build/wasm]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
BUILD_DIR="${1:-build/wasm}"
[ -f "$BUILD_DIR/build.ninja" ] || emcmake cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" --target qwasm_core -j "${QWASM_JOBS:-1}"
mkdir -p build/kernel-bench
em++ -std=c++20 -O3 -msimd128 -fexceptions -DNDEBUG -Isrc bench/lib/kernel-bench.cpp "$BUILD_DIR/libqwasm_core.a" \
  -fexceptions -sMODULARIZE=1 -sEXPORT_NAME=createKernelBench -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=64MB \
  -sEXPORTED_FUNCTIONS=_malloc,_free -o build/kernel-bench/kernel_bench.cjs
echo "[kernel-bench] build/kernel-bench/kernel_bench.cjs"
