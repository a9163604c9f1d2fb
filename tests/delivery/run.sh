#!/usr/bin/env bash
# The delivery conformance suite: reads what contentstack-mock publishes through
# Contentstack's official delivery SDKs, @contentstack/delivery-sdk and the
# legacy `contentstack` SDK, and mirrors it with Contentstack DataSync
# (@contentstack/datasync-manager and its filesystem stores) over HTTPS, all
# pinned in package.json and package-lock.json, run by Node's own test runner.
#
# Uses $CSMOCK_BIN (default: ../../target/debug/contentstack-mock next to this
# script; build it first with `cargo build`). Without Node.js >= 20 the suite is
# skipped with a loud warning, or fails when CSMOCK_REQUIRE_COMPAT=1 (as in CI).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

missing_runtime() {
  {
    echo
    echo "############################################################################"
    echo "##  WARNING: $1"
    echo "##  The delivery client suite (official @contentstack/delivery-sdk and"
    echo "##  legacy contentstack SDKs)"
    if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then
      echo "##  is REQUIRED (CSMOCK_REQUIRE_COMPAT=1): failing."
    else
      echo "##  was SKIPPED. Install Node.js >= 20 and npm to run it."
    fi
    echo "############################################################################"
    echo
  } >&2
  if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then exit 1; fi
  exit 0
}

command -v node >/dev/null 2>&1 || missing_runtime "node was not found on PATH."
command -v npm >/dev/null 2>&1 || missing_runtime "npm was not found on PATH."
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || missing_runtime "node $(node --version) is too old (need >= 20)."

export CSMOCK_BIN="${CSMOCK_BIN:-$here/../../target/debug/contentstack-mock}"
if [ ! -x "$CSMOCK_BIN" ]; then
  echo "error: contentstack-mock binary not found at $CSMOCK_BIN (run \`cargo build\` first, or set CSMOCK_BIN)" >&2
  exit 1
fi

cd "$here"
# Install the locked dependencies, again only when the lockfile changed.
stamp="node_modules/.csmock-lock-cksum"
want="$(cksum < package-lock.json)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> npm ci (@contentstack/delivery-sdk $(node -p 'require("./package.json").dependencies["@contentstack/delivery-sdk"]'), contentstack $(node -p 'require("./package.json").dependencies["contentstack"]'))"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

echo "==> node --test (official delivery SDKs against $CSMOCK_BIN)"
# A per-test timeout, because stack.sync({}, true) follows pagination tokens for as
# long as the server hands them out.
exec node --test --test-timeout=120000 --test-reporter=spec test/*.test.js
