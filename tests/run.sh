#!/usr/bin/env bash
# Runs every test of the project, installing what the tests need:
#   1. the Rust unit and integration tests (cargo test),
#   1b. the Rust integration tests again on the shared-instance backends: metadata in
#      PostgreSQL, stored files in an S3 bucket (tests/s3),
#   2. the JavaScript suite on Contentstack's official management SDK (tests/js),
#   3. the Python suite on Contentstack's official management SDK (tests/python),
#   4. the delivery suite on Contentstack's official delivery SDKs (tests/delivery),
#   5. the CLI suite: Contentstack's official CLI (csdx) over HTTPS (tests/cli),
#   6. the web UI suite in headless Chromium (tests/ui),
#   7. the container image, built and run with a real engine (tests/docker),
#   8. the npm packages and their test kit, installed from their tarballs, with the
#      Testcontainers module on the image of step 7 (tests/npm),
#   9. the PyPI wheel and its test kit (pytest plugin, testcontainers module), installed
#      into a fresh venv (tests/pypi),
#  10. the GitHub workflows, checked with actionlint (tests/workflows),
#  11. the snippets of the README and docs/*.md, run as written, and their links and
#      layout map checked against the tree (tests/readme),
#  12. the image benchmark beside sharp, in its smoke mode (tests/bench/images).
# The project is compiled once, in the release profile: the tests, and the binary every
# suite, the image and the packages use. A missing runtime (node, python3, chromium, a
# container engine) skips that suite with a loud warning, unless CSMOCK_REQUIRE_COMPAT=1
# (set by CI), which makes it a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test (release profile)"
cargo test --locked --release --all-targets

# The binary the integration tests ran: `cargo build` on its own would compile again,
# since the tests' dev-dependencies add features to shared crates.
export CSMOCK_BIN="$PWD/target/release/contentstack-mock"
[ -x "$CSMOCK_BIN" ] || { echo "error: cargo test left no $CSMOCK_BIN" >&2; exit 1; }

status=0
echo "==> api suite on PostgreSQL and S3 storage"
bash tests/s3/run.sh || status=1
# readme runs last: it uses the SDKs the js and python suites installed.
for suite in js python delivery cli ui docker npm pypi workflows readme; do
  echo "==> $suite suite"
  bash "tests/$suite/run.sh" || status=1
done
# The image benchmark beside sharp, for a moment per row: it still works.
echo "==> image benchmark (smoke)"
IMAGE_BENCH_SMOKE=1 bash tests/bench/images/run.sh || status=1
exit $status
