#!/usr/bin/env bash
# Runs every test of the project, installing what the tests need:
#   1. the Rust unit and integration tests (cargo test),
#   2. the JavaScript suite on Contentstack's official management SDK (tests/js),
#   3. the Python suite on Contentstack's official management SDK (tests/python),
#   4. the delivery suite on Contentstack's official delivery SDKs (tests/delivery),
#   5. the CLI suite: Contentstack's official CLI (csdx) over HTTPS (tests/cli),
#   6. the web UI suite in headless Chromium (tests/ui),
#   7. the README's snippets, run as written (tests/readme),
#   8. the image benchmark beside sharp, in its smoke mode (tests/bench/images).
# A missing node, python3 or chromium skips that suite with a loud warning, unless
# CSMOCK_REQUIRE_COMPAT=1 (set by CI), which makes it a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test"
cargo test --locked --all-targets

echo "==> building the binary for the client suites"
cargo build --locked --bin contentstack-mock
export CSMOCK_BIN="$PWD/target/debug/contentstack-mock"

status=0
# readme runs last: it uses the SDKs the js and python suites installed.
for suite in js python delivery cli ui readme; do
  echo "==> $suite client suite"
  bash "tests/$suite/run.sh" || status=1
done
# The image benchmark beside sharp, for a moment per row: it still works.
echo "==> image benchmark (smoke)"
IMAGE_BENCH_SMOKE=1 bash tests/bench/images/run.sh || status=1
exit $status
