#!/usr/bin/env bash
# The image benchmark: contentstack-mock's Image Delivery API beside sharp (libvips), one
# run, one machine (see bench.js). Installs sharp (pinned; its prebuilt libvips comes
# from npm) and uses $CSMOCK_BIN (default: target/release/contentstack-mock; build it with
# `cargo build --release`). IMAGE_BENCH_SMOKE=1 runs every row for a moment only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "##  WARNING: node and npm are needed for the image benchmark" >&2
  if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then exit 1; fi
  exit 0
fi
# tests/run.sh points CSMOCK_BIN at the debug build (fine for the smoke mode).
export CSMOCK_BIN="${CSMOCK_BIN:-$here/../../../target/release/contentstack-mock}"
if [ ! -x "$CSMOCK_BIN" ]; then
  echo "error: contentstack-mock binary not found at $CSMOCK_BIN (cargo build --release, or set CSMOCK_BIN)" >&2
  exit 1
fi
cd "$here"
stamp="node_modules/.csmock-lock-cksum"
want="$(cksum < package-lock.json)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
exec node bench.js
