# Sourced by the build and test scripts: the environment Debian's Emscripten
# needs. Its JS optimizer requires modules from /usr/share/nodejs, which the
# machine's Node does not search by default.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
export QWASM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QWASM_JOBS="${QWASM_JOBS:-$(nproc 2>/dev/null || echo 2)}"
