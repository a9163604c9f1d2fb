#!/usr/bin/env bash
# The CLI conformance suite: drives contentstack-mock over HTTPS with Contentstack's
# official CLI (`csdx`, @contentstack/cli pinned in package.json and package-lock.json),
# run by Node's own test runner. The CLI is pointed at the hostname `cma.mock`
# (lib/mock-dns.cjs resolves it to 127.0.0.1) and trusts the mock's self-signed
# certificate through NODE_EXTRA_CA_CERTS; its config lives in a temporary folder. The
# mock is started through the npm package's test kit (tests/lib/mock.js).
#
# Uses $CSMOCK_BIN (default: target/release/contentstack-mock; build it first with
# `cargo build --release`). Without Node.js >= 20 the suite is skipped with a loud
# warning, or fails when CSMOCK_REQUIRE_COMPAT=1 (as in CI).
# CSMOCK_KEEP=1 keeps the temporary folder (every csdx output is in cli/csdx-output.log).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/suite.sh
source "$here/../lib/suite.sh"
require_node "The CLI client suite (official @contentstack/cli, csdx)"
require_binary

cd "$here"
npm_ci_locked "@contentstack/cli $(node -p 'require("./package.json").dependencies["@contentstack/cli"]')"

echo "==> node --test (csdx $(node -p 'require("@contentstack/cli/package.json").version') against $CSMOCK_BIN over HTTPS)"
exec node --test --test-concurrency=1 --test-reporter=spec test/*.test.js
