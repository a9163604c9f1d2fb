#!/usr/bin/env bash
# The API suite again on the shared-instance backends: every server's metadata in a
# PostgreSQL database of its own (`--database-url`, on a server this script starts with
# Debian's postgresql) and its stored files in an S3 bucket
# (`--storage s3://csmock-tests/<prefix>`): moto's S3 server from PyPI (pinned, in a venv
# of its own) on a free port of this machine, one bucket, a key prefix per server (named
# after its data dir, see tests/api/helpers.rs). The suite binary is the one the test
# command built: cargo runs it again without compiling.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/suite.sh
source "$root/tests/lib/suite.sh"
suite="The API suite on PostgreSQL and S3 storage (moto's server)"
command -v python3 >/dev/null 2>&1 || missing_runtime "python3 was not found on PATH." "$suite" "Install Python 3.10+."

venv="$root/target/s3-venv"
stamp="$venv/.csmock-requirements"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$here/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv" || missing_runtime "python3 -m venv failed." "$suite" "Install python3-venv."
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -f "$log"; stop_postgres' EXIT
endpoint="http://127.0.0.1:$port"
made=""
for _ in $(seq 1 100); do
  if "$venv/bin/python" - "$endpoint" <<'PY' 2>/dev/null; then made=1; break; fi
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/csmock-tests", method="PUT"), timeout=2)
PY
  kill -0 "$moto" 2>/dev/null || { cat "$log" >&2; echo "error: moto's server exited" >&2; exit 1; }
  sleep 0.2
done
[ -n "$made" ] || { cat "$log" >&2; echo "error: moto's server did not make the bucket in 20 s" >&2; exit 1; }
echo "==> moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null) at $endpoint, bucket csmock-tests"

start_postgres || missing_runtime "PostgreSQL could not be started." "$suite" "Install Debian's postgresql (apt-get install postgresql, as root)."

cd "$root"
CSMOCK_TEST_S3_ENDPOINT="$endpoint" CSMOCK_TEST_S3_BUCKET=csmock-tests \
  cargo test --locked --release --test api
