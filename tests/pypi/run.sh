#!/usr/bin/env bash
# The PyPI package suite: builds the `contentstack-mock` wheel around the binary the test
# command built (packages/python/build_wheel.py, the script the release workflow runs),
# installs it into a fresh venv beside the official Python SDK and testcontainers (pinned
# in requirements.txt), and runs there: the package (test_package.py), the test kit and
# its pytest plugin (test_kit*.py), and the testcontainers module against a real engine
# (test_testcontainers.py, on the runtime image built from the same binary). Without
# Python 3.10+ and its venv module, or without a Docker engine for the last part, that is
# skipped loudly, or fails under CSMOCK_REQUIRE_COMPAT=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/suite.sh
source "$root/tests/lib/suite.sh"
suite="The PyPI package suite (the contentstack-mock wheel, the official Python SDK)"
command -v python3 >/dev/null 2>&1 || missing_runtime "python3 was not found on PATH." "$suite" "Install Python 3.10+."
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  missing_runtime "python3 is older than 3.10." "$suite" "Install Python 3.10+."
require_binary

work="$(mktemp -d)"
trap 'rm -rf "$work"; stop_docker' EXIT
echo "==> building the wheel around $CSMOCK_BIN"
wheel="$(python3 "$root/packages/python/build_wheel.py" --binary "$CSMOCK_BIN" --out "$work/dist")"
echo "    $(basename "$wheel")"
python3 -m venv "$work/venv" || missing_runtime "python3 -m venv failed." "$suite" "Install python3-venv."
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" "$wheel"
# The installed binary is the one built, byte for byte.
cmp -s "$CSMOCK_BIN" "$work/venv/bin/contentstack-mock" ||
  { echo "PyPI package suite FAILED: the installed binary differs from $CSMOCK_BIN" >&2; exit 1; }

# The wheel's pytest plugin is loaded through its entry point: no -p here.
pytest_venv() {
  PATH="$work/venv/bin:$PATH" VIRTUAL_ENV="$work/venv" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
}
status=0
echo "==> pytest (the wheel, the test kit, the official Python SDK), in the activated venv"
cd "$work"
pytest_venv "$here/test_package.py" "$here/test_kit.py" "$here/test_kit_stack_controls.py" || status=1

echo "==> pytest (the testcontainers module, a real engine)"
image=contentstack-mock:test
ensure_docker || missing_runtime "no Docker engine could be found or started: the testcontainers module was not tested." \
  "$suite" "Install docker.io (or run as root, where it is installed and started)."
ensure_image "$image" || { echo "PyPI package suite FAILED: the image did not build" >&2; exit 1; }
# Ryuk (the reaper) is an image from Docker Hub, out of reach here: the tests stop their containers.
CSMOCK_TEST_IMAGE="$image" TESTCONTAINERS_RYUK_DISABLED=true pytest_venv "$here/test_testcontainers.py" || status=1
exit $status
