#!/usr/bin/env bash
# The JavaScript conformance suite: drives contentstack-mock with Contentstack's
# official management SDK (@contentstack/management, pinned in package.json and
# package-lock.json), run by Node's own test runner; the mock is started through the
# npm package's test kit (tests/lib/mock.js).
#
# Uses $CSMOCK_BIN (default: target/release/contentstack-mock; build it first with
# `cargo build --release`). Without Node.js >= 20 the suite is skipped with a loud
# warning, or fails when CSMOCK_REQUIRE_COMPAT=1 (as in CI).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/suite.sh
source "$here/../lib/suite.sh"
require_node "The JavaScript client suite (official @contentstack/management SDK)"
require_binary

cd "$here"
npm_ci_locked "@contentstack/management $(node -p 'require("./package.json").dependencies["@contentstack/management"]')"

echo "==> node --test (official JS SDK against $CSMOCK_BIN)"
exec node --test --test-reporter=spec test/*.test.js
