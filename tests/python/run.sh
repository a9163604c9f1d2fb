#!/usr/bin/env bash
# The Python conformance suite: drives contentstack-mock with Contentstack's
# official management SDK (contentstack-management, pinned in requirements.txt),
# in a virtual environment at tests/python/.venv, run by pytest; the mock is started
# through the PyPI package's test kit (csmock.py, `start_mock` from packages/python).
#
# Uses $CSMOCK_BIN (default: target/release/contentstack-mock; build it first with
# `cargo build --release`). Without python3 >= 3.10 (with its venv module) the suite
# is skipped with a loud warning, or fails when CSMOCK_REQUIRE_COMPAT=1 (as in CI).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib/suite.sh
source "$here/../lib/suite.sh"
suite="The Python client suite (official contentstack-management SDK)"
hint="Install python3 >= 3.10 with its venv module to run it."
command -v python3 >/dev/null 2>&1 || missing_runtime "python3 was not found on PATH." "$suite" "$hint"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || missing_runtime "python3 $(python3 -c 'import platform; print(platform.python_version())') is too old (need >= 3.10)." "$suite" "$hint"
require_binary

cd "$here"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating $venv"
  if ! python3 -m venv "$venv"; then
    rm -rf "$venv"
    missing_runtime "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)." "$suite" "$hint"
  fi
fi
# Install the pinned requirements, again only when requirements.txt changed.
stamp="$venv/.csmock-requirements-cksum"
want="$(cksum < requirements.txt)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> pip install -r requirements.txt (contentstack-management $(grep -i '^contentstack-management==' requirements.txt | cut -d= -f3))"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi

echo "==> pytest (official Python SDK against $CSMOCK_BIN)"
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -v
