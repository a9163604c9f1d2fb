#!/usr/bin/env bash
# Runs the snippets of README.md and docs/*.md as written, against a fresh
# contentstack-mock: the quick start (the container image, npx, pipx and the start()
# snippets: quick_start.sh), the curl walkthroughs of scheduled publishing and of the
# 14-day trash (under bash), the JavaScript and Python management examples (with the SDKs
# the js and python suites installed) and the delivery SDK's example with its
# package.json (installed with npm, pinned as tests/delivery pins it). Each outcome its
# comments promise is checked. Then check_docs.mjs checks that every code block was run
# or says why not, that every link and anchor resolves, and that docs/development.md's
# layout map matches the tree. Needs curl and jq (installed with apt-get when missing and
# possible); without node or the Python venv that example is skipped loudly, or fails
# when CSMOCK_REQUIRE_COMPAT=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/suite.sh
source "$root/tests/lib/suite.sh"
require_binary

fail() { echo "README check FAILED: $*" >&2; exit 1; }
skip() {
  echo "##  WARNING: $1" >&2
  if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then fail "$1 (required: CSMOCK_REQUIRE_COMPAT=1)"; fi
}

for tool in curl jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      echo "==> installing $tool (apt-get)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    else
      fail "$tool is needed for the curl walkthroughs"
    fi
  fi
done

work="$(mktemp -d)"
# The `path:line` of every code block run, for check_docs.mjs.
ran="$work/ran"
: >"$ran"

# The fenced block that follows the first line containing $1 in README.md or docs/*.md
# (its language $2, when given), without its fences; notes it as run.
block_after() {
  (cd "$root" && awk -v marker="$1" -v lang="${2:-}" -v ran="$ran" '
    FNR == 1 { found = 0 }
    !inside && index($0, marker) { found = 1 }
    found && /^```/ {
      if (inside) exit
      if (lang != "" && $0 != "```" lang) next
      inside = 1
      print FILENAME ":" FNR >>ran
      next
    }
    inside { print }
  ' README.md docs/*.md)
}
log="$work/server.log"
"$CSMOCK_BIN" --ephemeral --listen 127.0.0.1:0 --log warn >"$work/banner" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; stop_docker; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on http://" "$work/banner" && break
  sleep 0.05
done
address="$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$work/banner" | head -1)"
[ -n "$address" ] || fail "the server did not start"
port="${address##*:}"

# Runs the walkthrough after the line matching $1 into $work/$2.out. Each `call` prints
# one line; its status must be the one its comment names (a `call` may continue on the
# next line, its comment is at the end).
run_walkthrough() {
  block_after "$1" >"$work/$2.sh"
  [ -s "$work/$2.sh" ] || fail "walkthrough block '$1' not found"
  (cd "$root" && B="http://$address" bash "$work/$2.sh") >"$work/$2.out"
  cat "$work/$2.out"
  mapfile -t expected < <(awk '/^call / { pending = 1 } pending && /# [0-9][0-9][0-9]/ { sub(/.*# /, ""); print substr($0, 1, 3); pending = 0 }' "$work/$2.sh")
  mapfile -t got < <(cut -d' ' -f1 "$work/$2.out")
  [ "${#got[@]}" = "${#expected[@]}" ] || fail "$2: expected ${#expected[@]} answers, got ${#got[@]}"
  for i in "${!expected[@]}"; do
    [ "${got[$i]}" = "${expected[$i]}" ] || fail "$2, answer $((i + 1)): status ${got[$i]}, the comment says ${expected[$i]}"
  done
}
line() { sed -n "${2}p" "$work/$1.out"; }

echo "==> docs/mock-api.md: the 14-day walkthrough (bash)"
run_walkthrough "A test that checks the 14-day promise" trash
line trash 2 | grep -q '"restorable":true' || fail "the trash listing does not say restorable"
line trash 3 | grep -q '"purged":\[\]' || fail "something was purged after 13 days 23 hours"
line trash 4 | grep -q '"_version":2' || fail "the restore did not bump _version to 2"
line trash 6 | grep -q '"purged":\[{"uid":"blt' || fail "the 14-day advance purged nothing"
line trash 7 | grep -q 'was purged at' || fail "the late restore does not say it was purged"

echo "==> docs/api.md: the scheduled publishing walkthrough (bash)"
run_walkthrough 'Publish "in three days at 09:00"' schedule
line schedule 1 | grep -q 'Asset sent for publishing.' || fail "the publish was not accepted"
line schedule 2 | grep -q '"status":"scheduled"' || fail "the publish is not waiting in the queue"
line schedule 3 | grep -q '"publish_details":\[\]' || fail "it was published before its time"
line schedule 4 | grep -q '"published":\[{' || fail "the clock advance applied nothing"
line schedule 5 | grep -q '"version":1' || fail "it is not published after the advance"
line schedule 6 | grep -q '"publish_details":{"environment"' || fail "the delivery API does not serve it"

# A logo.png for the client examples (a 3x2 PNG).
echo 'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==' \
  | base64 -d >"$work/logo.png"

echo "==> docs/clients.md: the JavaScript example"
if command -v node >/dev/null 2>&1 && [ -d "$root/tests/js/node_modules/@contentstack/management" ]; then
  block_after "Save this as \`example.js\` next to any" js >"$work/example.js"
  out="$(cd "$work" && NODE_PATH="$root/tests/js/node_modules" CONTENTSTACK_PORT="$port" node example.js)"
  echo "$out"
  echo "$out" | grep -Eq '^uploaded blt[0-9a-f]{16}; the stack has 1 asset\(s\), 1 on this page$' \
    || fail "the JavaScript example printed: $out"
else
  block_after "Save this as \`example.js\` next to any" js >/dev/null
  skip "node or the JS suite's node_modules are missing: the JavaScript example was not run"
fi

echo "==> docs/clients.md: the Python example"
venv_python="$root/tests/python/.venv/bin/python"
if [ -x "$venv_python" ]; then
  block_after "Save this as \`example.py\` next to any" python >"$work/example.py"
  out="$(cd "$work" && CONTENTSTACK_PORT="$port" PYTHONDONTWRITEBYTECODE=1 "$venv_python" example.py)"
  echo "$out"
  echo "$out" | grep -Eq '^uploaded blt[0-9a-f]{16} titled logo.png$' || fail "the Python example printed: $out"
  echo "$out" | grep -qx 'folder: 201' || fail "the Python example's folder was not created: $out"
else
  block_after "Save this as \`example.py\` next to any" python >/dev/null
  skip "the Python suite's venv is missing: the Python example was not run"
fi
echo "==> docs/clients.md: the delivery SDK example, with its package.json"
block_after "Save this \`package.json\`" json >"$work/delivery-package.json"
block_after "and this as \`example.js\` beside it" js >"$work/delivery-example.js"
if command -v npm >/dev/null 2>&1; then
  mkdir "$work/delivery"
  cp "$work/delivery-package.json" "$work/delivery/package.json"
  cp "$work/delivery-example.js" "$work/delivery/example.js"
  # The versions it names are the ones the delivery suite pins and tests.
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const [shown, pinned] = process.argv.slice(1).map((file) => require(file))
    const problems = []
    if (shown.type !== "module") problems.push("it lacks \"type\": \"module\"")
    for (const [name, version] of Object.entries(shown.dependencies ?? {})) {
      if (pinned.dependencies[name] !== version) problems.push(`${name} ${version}, tests/delivery pins ${pinned.dependencies[name]}`)
    }
    if (JSON.stringify(shown.overrides) !== JSON.stringify(pinned.overrides)) problems.push("its overrides are not tests/delivery\x27s")
    if (problems.length) { console.error(problems.join("\n")); process.exit(1) }
  ' "$work/delivery/package.json" "$root/tests/delivery/package.json" \
    || fail "the delivery example's package.json does not match tests/delivery/package.json"
  (cd "$work/delivery" && npm install --no-audit --no-fund --loglevel=error >/dev/null) \
    || fail "npm install of the delivery example's package.json failed"
  # One asset published in development, and a delivery token for it, on the default stack.
  auth=(-H "api_key: blt0000000000000001" -H "authorization: cs00000000000000000000000000000001")
  published="$(curl -sf "${auth[@]}" -F "asset[upload]=@$work/logo.png" "http://$address/v3/assets" | jq -r .asset.uid)"
  curl -sf "${auth[@]}" -X POST "http://$address/v3/assets/$published/publish" \
    -d '{"asset": {"environments": ["development"], "locales": ["en-us"]}}' >/dev/null
  delivery_token="$(curl -sf "${auth[@]}" "http://$address/v3/stacks/delivery_tokens" \
    -d '{"token": {"name": "site", "scope": [{"module": "environment", "environments": ["development"]}, {"module": "branch", "branches": ["main"]}]}}' \
    | jq -r .token.token)"
  out="$(cd "$work/delivery" && DELIVERY_TOKEN="$delivery_token" CONTENTSTACK_PORT="$port" node example.js)"
  echo "$out"
  [ "$out" = "1 asset(s) published in development, 1 on this page" ] || fail "the delivery example printed: $out"
else
  skip "npm is missing: the delivery SDK example was not run"
fi

# shellcheck source=quick_start.sh
source "$here/quick_start.sh"

echo "==> README.md and docs/*.md: every code block run or marked, links, the layout map"
if command -v node >/dev/null 2>&1; then
  node "$here/check_docs.mjs" --ran "$ran" || fail "the documents do not agree with the tree (above)"
else
  skip "node is missing: the links and the layout map were not checked"
fi
echo "==> README and docs snippets: all promises kept"
