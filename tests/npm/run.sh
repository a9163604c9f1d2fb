#!/usr/bin/env bash
# The npm package suite: packs `contentstack-mock` and this platform's
# `@contentstack-mock/<platform>` around the binary the test command built
# (packages/npm/pack.sh, the script the release workflow runs), installs both tarballs
# into a scratch project with the official JS SDKs and testcontainers (pinned here), and
# runs there with Node's test runner: the package (test/package.test.mjs), the test kit
# (test/kit*.test.mjs) and its Testcontainers module against a real engine
# (test/testcontainers.test.mjs, on the runtime image built from the same binary). Without
# Node.js >= 20, or without a Docker engine for the last part, that is skipped loudly, or
# fails under CSMOCK_REQUIRE_COMPAT=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/suite.sh
source "$root/tests/lib/suite.sh"
suite="The npm package suite (contentstack-mock from its tarballs, the official JS SDK)"
command -v node >/dev/null 2>&1 || missing_runtime "node was not found on PATH." "$suite" "Install Node.js >= 20 and npm."
command -v npm >/dev/null 2>&1 || missing_runtime "npm was not found on PATH." "$suite" "Install Node.js >= 20 and npm."
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
  missing_runtime "node $(node --version) is too old (need >= 20)." "$suite" "Install Node.js >= 20."
require_binary

platform="$(npm_platform)"
[ -n "$platform" ] || missing_runtime "no npm platform package for $(uname -s)-$(uname -m)." "$suite" "Run it on Linux or macOS."

work="$(mktemp -d)"
trap 'rm -rf "$work"; stop_docker' EXIT
echo "==> npm pack (contentstack-mock, @contentstack-mock/$platform) around $CSMOCK_BIN"
bash "$root/packages/npm/pack.sh" "$work/tarballs" --main "$CSMOCK_BIN" "$platform" | sed 's/^/    /'

project="$work/project"
mkdir -p "$project"
cp "$here/package.json" "$here/package-lock.json" "$project/"
cp -r "$here/test" "$project/test"
cp -r "$here/types" "$project/types"
cd "$project"
echo "==> npm ci, then the tarballs"
npm ci --no-audit --no-fund --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz
# What a user's install leaves: the binary in its platform package, nothing fetched.
[ -x "node_modules/@contentstack-mock/$platform/bin/contentstack-mock" ] ||
  { echo "npm package suite FAILED: the platform package holds no executable binary" >&2; exit 1; }

status=0
echo "==> tsc --noEmit --strict (the declarations, as a TypeScript user compiles against them)"
node_modules/.bin/tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 types/kit.ts || status=1
echo "==> node --test (the packages and the test kit, the official JS SDKs)"
node --test --test-reporter=spec test/package.test.mjs test/kit.test.mjs test/kit-stack-controls.test.mjs || status=1

echo "==> node --test (the Testcontainers module, a real engine)"
image=contentstack-mock:test
ensure_docker || missing_runtime "no Docker engine could be found or started: the Testcontainers module was not tested." \
  "$suite" "Install docker.io (or run as root, where it is installed and started)."
ensure_image "$image" || { echo "npm package suite FAILED: the image did not build" >&2; exit 1; }
# Ryuk (the reaper) is an image from Docker Hub, out of reach here: the tests stop their containers.
CSMOCK_TEST_IMAGE="$image" TESTCONTAINERS_RYUK_DISABLED=true \
  node --test --test-reporter=spec test/testcontainers.test.mjs || status=1
exit $status
