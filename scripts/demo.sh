#!/usr/bin/env bash
# Builds the playground (web/) against the freshly built package and serves it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$QWASM_ROOT"
node node_modules/vite/bin/vite.js build -c web/vite.config.ts --logLevel warn
PORT="${PORT:-5173}"
echo
echo "qwasm playground: http://127.0.0.1:${PORT}/   (Ctrl+C to stop)"
exec node node_modules/vite/bin/vite.js preview -c web/vite.config.ts --port "$PORT"
