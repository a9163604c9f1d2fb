#!/usr/bin/env bash
# The README's quick start, run as written: each way to run the mock (the container image,
# npx, pipx) started from its own block on port 8484, then the "first request" block
# against it, which must answer `{"assets":[]}`; then the two "from a test" snippets and
# the two test kit snippets of "Testing with the mock" (a test file each, run). The
# image, the npm tarballs and the wheel are made here from $CSMOCK_BIN with the project's
# scripts (nothing is compiled, nothing is fetched from a registry but pipx itself and the
# pinned SDKs and pytest the test kit snippets run with), and
# the commands find them as a user's would find the published ones: the image under its
# published name, the npm packages installed in the folder npx runs in, and the wheel
# through pip's PIP_FIND_LINKS. Sourced by tests/readme/run.sh, which defines
# block_after, fail and skip.
set -euo pipefail

quick="$work/quick"
mkdir -p "$quick"
first_request="$(block_after "Then, in another terminal, a first request")"
[ -n "$first_request" ] || fail "the quick start's first request block was not found"

# Starts the block after marker $1 in the background from folder $2 (extra environment
# in the rest), waits for port 8484, runs the first request, checks its answer, stops it.
run_way() {
  local marker="$1" dir="$2"
  shift 2
  local command
  command="$(block_after "$marker")"
  [ -n "$command" ] || fail "no block after '$marker'"
  echo "    \$ $command"
  (cd "$dir" && exec env "$@" bash -c "exec $command") >"$quick/way.log" 2>&1 &
  local way=$!
  local ready=""
  for _ in $(seq 1 600); do
    if curl -sf http://localhost:8484/_mock/health >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$way" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    kill "$way" 2>/dev/null || true
    cat "$quick/way.log" >&2
    fail "'$command' did not start serving on port 8484"
  fi
  local answer
  answer="$(bash -c "$first_request")"
  echo "    first request: $answer"
  kill -TERM "$way"
  wait "$way" 2>/dev/null || true
  local stopped=""
  for _ in $(seq 1 100); do
    if ! curl -s http://localhost:8484/_mock/health >/dev/null 2>&1; then stopped=1; break; fi
    sleep 0.1
  done
  # A mock left behind would answer for the next way.
  [ -n "$stopped" ] || fail "port 8484 still answers after stopping '$command'"
  [ "$answer" = '{"assets":[]}' ] || fail "the first request after '$command' answered: $answer"
}

# A port-8484 server of another run would answer for the one under test.
if curl -s http://localhost:8484/_mock/health >/dev/null 2>&1; then
  fail "something already answers on port 8484: stop it to run the quick start"
fi

echo "==> README quick start: the container image"
if ensure_docker; then
  image="$(block_after "With Docker" | awk '{ print $NF }')"
  # The run's one image of this binary (tests/lib/suite.sh), under the published name too.
  ensure_image contentstack-mock:test >/dev/null || fail "the image did not build"
  docker tag contentstack-mock:test "$image"
  run_way "With Docker" "$quick"
  docker rmi "$image" >/dev/null
  stop_docker
else
  block_after "With Docker" >/dev/null
  skip "no Docker engine: the README's docker run was not tried"
fi

echo "==> README quick start: npx"
if command -v npm >/dev/null 2>&1; then
  bash "$root/packages/npm/pack.sh" "$quick/npm" --main "$CSMOCK_BIN" "$(npm_platform)" >/dev/null
  mkdir -p "$quick/node-project"
  (cd "$quick/node-project" && npm init -y >/dev/null &&
    npm install --no-audit --no-fund --loglevel=error "$quick"/npm/*.tgz >/dev/null)
  run_way "With Node.js 18 or later" "$quick/node-project"
  echo "==> README: the JavaScript test snippet"
  block_after "From a test, start one on a free port" js >"$quick/node-project/snippet.mjs"
  (cd "$quick/node-project" && node snippet.mjs) || fail "the JavaScript start() snippet failed"
  echo "==> README: the JavaScript test kit snippet (Testing with the mock)"
  block_after "## Testing with the mock" js >"$quick/node-project/kit.test.mjs"
  (cd "$quick/node-project" &&
    npm install --no-save --no-audit --no-fund --loglevel=error @contentstack/management@1.30.2 >/dev/null &&
    node --test --test-reporter=tap kit.test.mjs) >"$quick/kit-js.log" 2>&1 || { cat "$quick/kit-js.log" >&2; fail "the JavaScript test kit snippet failed"; }
  grep -qx '# pass 1' "$quick/kit-js.log" || { cat "$quick/kit-js.log" >&2; fail "the JavaScript test kit snippet ran no passing test"; }
else
  block_after "With Node.js 18 or later" >/dev/null
  block_after "From a test, start one on a free port" js >/dev/null
  skip "npm is missing: the README's npx quick start was not tried"
fi

echo "==> README quick start: pipx"
python3 "$root/packages/python/build_wheel.py" --binary "$CSMOCK_BIN" --out "$quick/wheels" >/dev/null
python3 -m venv "$quick/tools"
"$quick/tools/bin/pip" install --quiet --disable-pip-version-check pipx==1.18.4
# pipx makes (and upgrades) its shared pip from the index on first use: let it, with the
# wheel given by path, so that the README's command then runs with no index at all.
PIPX_HOME="$quick/pipx" PIPX_BIN_DIR="$quick/pipx/bin" "$quick/tools/bin/pipx" run --spec \
  "$(ls "$quick"/wheels/*.whl)" contentstack-mock --version >/dev/null
run_way "With Python 3.8 or later" "$quick" \
  PATH="$quick/tools/bin:$PATH" PIPX_HOME="$quick/pipx" PIPX_BIN_DIR="$quick/pipx/bin" \
  PIP_FIND_LINKS="$quick/wheels" PIP_NO_INDEX=1
echo "==> README: the Python test snippet"
"$quick/tools/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$quick/wheels" contentstack-mock
block_after "From a test, start one on a free port" python >"$quick/snippet.py"
[ -s "$quick/snippet.py" ] || fail "the Python start() snippet was not found"
"$quick/tools/bin/python" "$quick/snippet.py" || fail "the Python start() snippet failed"
echo "==> README: the pytest test kit snippet (Testing with the mock)"
block_after "With pytest (" python >"$quick/test_kit_snippet.py"
[ -s "$quick/test_kit_snippet.py" ] || fail "the pytest test kit snippet was not found"
# pytest and the SDK, pinned as the PyPI package suite pins them; the plugin comes with the wheel.
"$quick/tools/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/pypi/requirements.txt"
(cd "$quick" && "$quick/tools/bin/python" -m pytest -q -p no:cacheprovider test_kit_snippet.py) >"$quick/kit-py.log" 2>&1 ||
  { cat "$quick/kit-py.log" >&2; fail "the pytest test kit snippet failed"; }
grep -q '^1 passed' "$quick/kit-py.log" || { cat "$quick/kit-py.log" >&2; fail "the pytest test kit snippet ran no passing test"; }
