#!/usr/bin/env bash
# The web UI suite: drives contentstack-mock's UI (/ui/) in headless Chromium, Debian's
# `chromium` package at /usr/bin/chromium, through playwright-core (pinned in
# package.json and package-lock.json; it never downloads a browser). Node's own test
# runner runs it; the mock is started through the npm package's test kit
# (tests/lib/mock.js).
#
# Installs what it needs: `apt-get install -y chromium` when /usr/bin/chromium is
# missing (as root), and `npm ci`. Uses $CSMOCK_BIN (default: target/release/
# contentstack-mock; build it first with `cargo build --release`). When Node, npm or
# Chromium cannot be had, the suite is skipped with a loud warning, or fails when
# CSMOCK_REQUIRE_COMPAT=1 (as in CI). Screenshots go to target/ui-screenshots/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/suite.sh
source "$here/../lib/suite.sh"
suite="The web UI suite (headless Chromium through playwright-core)"
chromium="${CSMOCK_CHROMIUM:-/usr/bin/chromium}"
require_node "$suite"
# Debian's package; no browser is downloaded otherwise.
if [ ! -x "$chromium" ] && [ "$chromium" = /usr/bin/chromium ]; then apt_install chromium || true; fi
[ -x "$chromium" ] || missing_runtime "no Chromium at $chromium." "$suite" "Install Debian's chromium (apt-get install chromium, as root) to run it."
require_binary

cd "$here"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm_ci_locked "playwright-core $(node -p 'require("./package.json").dependencies["playwright-core"]')"

echo "==> node --test (web UI in $("$chromium" --version 2>/dev/null | head -n1) against $CSMOCK_BIN)"
exec node --test --test-concurrency=1 --test-reporter=spec test/*.test.js
