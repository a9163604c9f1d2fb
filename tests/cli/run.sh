#!/usr/bin/env bash
# The CLI conformance suite: drives contentstack-mock over HTTPS with Contentstack's
# official CLI (`csdx`, @contentstack/cli pinned in package.json and package-lock.json),
# run by Node's own test runner. The CLI is pointed at the hostname `cma.mock`
# (lib/mock-dns.cjs resolves it to 127.0.0.1) and trusts the mock's self-signed
# certificate through NODE_EXTRA_CA_CERTS; its config lives in a temporary folder.
#
# Uses $CSMOCK_BIN (default: ../../target/debug/contentstack-mock next to this
# script; build it first with `cargo build`). Without Node.js >= 20 the suite is
# skipped with a loud warning, or fails when CSMOCK_REQUIRE_COMPAT=1 (as in CI).
# CSMOCK_KEEP=1 keeps the temporary folder (every csdx output is in cli/csdx-output.log).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

missing_runtime() {
  {
    echo
    echo "############################################################################"
    echo "##  WARNING: $1"
    echo "##  The CLI client suite (official @contentstack/cli, csdx)"
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
  echo "==> npm ci (@contentstack/cli $(node -p 'require("./package.json").dependencies["@contentstack/cli"]'))"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

echo "==> node --test (csdx $(node -p 'require("@contentstack/cli/package.json").version') against $CSMOCK_BIN over HTTPS)"
exec node --test --test-concurrency=1 --test-reporter=spec test/*.test.js
