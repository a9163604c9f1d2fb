#!/usr/bin/env bash
# Packs the npm packages: `contentstack-mock` (the launcher and the start() API) and
# `@contentstack-mock/<platform>` (one binary). Versions come from Cargo.toml.
#
#   bash packages/npm/pack.sh <out dir> [--main] [<binary> <platform>]...
#
# <platform> is <process.platform>-<process.arch>: linux-x64, linux-arm64, darwin-x64,
# darwin-arm64. The tarballs land in <out dir>; `npm publish <tarball>` publishes one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: pack.sh <out dir> [--main] [<binary> <platform>]...}"
shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
[ -n "$version" ] || { echo "pack.sh: no version in Cargo.toml" >&2; exit 1; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# Rewrites package.json in place: the version, and each optional dependency's version.
set_versions() {
  node -e '
    const fs = require("fs"); const [file, version] = process.argv.slice(1)
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"))
    pkg.version = version
    for (const name of Object.keys(pkg.optionalDependencies || {})) pkg.optionalDependencies[name] = version
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n")
  ' "$1" "$version"
}

while [ $# -gt 0 ]; do
  if [ "$1" = "--main" ]; then
    cp -r "$here/contentstack-mock" "$stage/main"
    cp "$here/../README.md" "$stage/main/README.md"
    set_versions "$stage/main/package.json"
    (cd "$stage/main" && npm pack --silent --pack-destination "$out" >/dev/null)
    shift
    continue
  fi
  binary="$1"
  platform="${2:?pack.sh: <binary> needs a <platform>}"
  shift 2
  os="${platform%-*}"
  cpu="${platform#*-}"
  case "$platform" in
    linux-x64|linux-arm64|darwin-x64|darwin-arm64) ;;
    *) echo "pack.sh: unknown platform $platform" >&2; exit 1 ;;
  esac
  dir="$stage/$platform"
  mkdir -p "$dir/bin"
  cp "$binary" "$dir/bin/contentstack-mock"
  chmod 755 "$dir/bin/contentstack-mock"
  libc=""
  [ "$os" = linux ] && libc='"libc": ["glibc"],'
  cat >"$dir/package.json" <<JSON
{
  "name": "@contentstack-mock/$platform",
  "version": "$version",
  "description": "The contentstack-mock binary for $platform (installed by the contentstack-mock package)",
  "license": "MIT OR Apache-2.0",
  "os": ["$os"],
  "cpu": ["$cpu"],
  $libc
  "files": ["bin/contentstack-mock"],
  "preferUnplugged": true
}
JSON
  printf '# @contentstack-mock/%s\n\nThe contentstack-mock binary for %s. Install `contentstack-mock`, which picks this package on this platform.\n' "$platform" "$platform" >"$dir/README.md"
  (cd "$dir" && npm pack --silent --pack-destination "$out" >/dev/null)
done
ls -1 "$out"
