#!/usr/bin/env bash
# The image benchmark: contentstack-mock's Image Delivery API beside sharp (libvips), one
# run, one machine (see bench.js). Installs sharp (pinned; its prebuilt libvips comes
# from npm) and uses $CSMOCK_BIN (default: target/release/contentstack-mock; build it with
# `cargo build --release`). IMAGE_BENCH_SMOKE=1 runs every row for a moment only. Without
# Node.js >= 20 it is skipped with a loud warning, or fails when CSMOCK_REQUIRE_COMPAT=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../../lib/suite.sh
source "$here/../../lib/suite.sh"
require_node "The image benchmark (the Image Delivery API beside sharp)"
require_binary
cd "$here"
npm_ci_locked "sharp $(node -p 'require("./package.json").dependencies.sharp')"
exec node bench.js
