#!/usr/bin/env bash
# The delivery conformance suite: reads what contentstack-mock publishes through
# Contentstack's official delivery SDKs, @contentstack/delivery-sdk and the
# legacy `contentstack` SDK, and mirrors it with Contentstack DataSync
# (@contentstack/datasync-manager and its filesystem stores) over HTTPS, all
# pinned in package.json and package-lock.json, run by Node's own test runner; the
# mock is started through the npm package's test kit (tests/lib/mock.js).
#
# Uses $CSMOCK_BIN (default: target/release/contentstack-mock; build it first with
# `cargo build --release`). Without Node.js >= 20 the suite is skipped with a loud
# warning, or fails when CSMOCK_REQUIRE_COMPAT=1 (as in CI).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/suite.sh
source "$here/../lib/suite.sh"
require_node "The delivery client suite (official @contentstack/delivery-sdk and legacy contentstack SDKs)"
require_binary

cd "$here"
npm_ci_locked "@contentstack/delivery-sdk $(node -p 'require("./package.json").dependencies["@contentstack/delivery-sdk"]'), contentstack $(node -p 'require("./package.json").dependencies["contentstack"]')"

echo "==> node --test (official delivery SDKs against $CSMOCK_BIN)"
# A per-test timeout, because stack.sync({}, true) follows pagination tokens for as
# long as the server hands them out.
exec node --test --test-timeout=120000 --test-reporter=spec test/*.test.js
