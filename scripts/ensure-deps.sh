#!/usr/bin/env bash
# Installs what the build and tests need, only when it is missing:
#   Debian: emscripten (the wasm toolchain), chromium (browser tests), cmake, g++
#   npm:    the devDependencies of package-lock.json (npm ci)
# With --datasets also Debian's dataset-fashion-mnist (npm run train-samples / qat-table).
# Nothing is downloaded from anywhere but Debian's and npm's registries.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# command -> Debian package that provides it
declare -A NEEDED=(
  [emcc]=emscripten
  [chromium]=chromium
  [cmake]=cmake
  [g++]=g++
  [make]=make
  [ninja]=ninja-build
)
missing=()
for cmd in "${!NEEDED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
done
[ -d /usr/src/googletest ] || missing+=(googletest)
if [ "${1:-}" = "--datasets" ]; then
  [ -d /usr/share/datasets/fashion-mnist ] || missing+=(dataset-fashion-mnist)
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    die "apt-get is not available. Install these packages by hand: ${missing[*]}"
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo -n"
    else
      die "installing needs root (apt-get). Run as root, or install by hand: sudo apt-get install ${missing[*]}"
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed; install by hand: ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed; install by hand: ${missing[*]}"
fi

command -v node >/dev/null 2>&1 || die "Node.js (>= 20.19) is required: apt-get install nodejs npm"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js >= 20.19 is required (found $(node --version))"

# npm ci when node_modules is missing or older than the lockfile.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
fi
