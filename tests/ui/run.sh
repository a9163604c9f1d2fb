#!/usr/bin/env bash
# The web UI suite: drives contentstack-mock's UI (/ui/) in headless Chromium, Debian's
# `chromium` package at /usr/bin/chromium, through playwright-core (pinned in
# package.json and package-lock.json; it never downloads a browser). Node's own test
# runner runs it.
#
# Installs what it needs: `apt-get install -y chromium` when /usr/bin/chromium is
# missing (as root), and `npm ci`. Uses $CSMOCK_BIN (default: ../../target/debug/
# contentstack-mock next to this script; build it first with `cargo build`). When Node,
# npm or Chromium cannot be had, the suite is skipped with a loud warning, or fails
# when CSMOCK_REQUIRE_COMPAT=1 (as in CI). Screenshots go to target/ui-screenshots/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${CSMOCK_CHROMIUM:-/usr/bin/chromium}"

missing_runtime() {
  {
    echo
    echo "############################################################################"
    echo "##  WARNING: $1"
    echo "##  The web UI suite (headless Chromium through playwright-core)"
    if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then
      echo "##  is REQUIRED (CSMOCK_REQUIRE_COMPAT=1): failing."
    else
      echo "##  was SKIPPED. Install Node.js >= 20, npm and Debian's chromium to run it."
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

if [ ! -x "$chromium" ]; then
  if [ "$chromium" = /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install -y chromium (Debian's package; no browser is downloaded otherwise)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } >/dev/null ||
      missing_runtime "apt-get install chromium failed."
  fi
  [ -x "$chromium" ] || missing_runtime "no Chromium at $chromium (apt-get install chromium, as root)."
fi

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
  echo "==> npm ci (playwright-core $(node -p 'require("./package.json").dependencies["playwright-core"]'))"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

echo "==> node --test (web UI in $("$chromium" --version 2>/dev/null | head -n1) against $CSMOCK_BIN)"
exec node --test --test-concurrency=1 --test-reporter=spec test/*.test.js
