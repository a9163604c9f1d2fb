#!/usr/bin/env bash
# Stages the build context of docker/Dockerfile.runtime from a binary built on this host:
#   <out>/Dockerfile.runtime
#   <out>/rootfs/usr/local/bin/contentstack-mock   the binary
#   <out>/rootfs/<its shared libraries>           as `ldd` finds them (glibc, libgcc_s,
#                                                 the dynamic loader), nothing else
#   <out>/writable/data, <out>/writable/tmp       empty, for the image's user to own
# so the image is the binary and what it loads, on no base image at all.
#
#   bash docker/stage-rootfs.sh target/release/contentstack-mock target/image
#   docker build -t contentstack-mock:local target/image
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:?usage: stage-rootfs.sh <binary> <out dir>}"
out="${2:?usage: stage-rootfs.sh <binary> <out dir>}"

[ -x "$binary" ] || { echo "stage-rootfs: $binary is not an executable" >&2; exit 1; }
command -v ldd >/dev/null || { echo "stage-rootfs: ldd is needed (libc-bin)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/rootfs/usr/local/bin" "$out/writable/data" "$out/writable/tmp"
cp "$binary" "$out/rootfs/usr/local/bin/contentstack-mock"
cp "$here/Dockerfile.runtime" "$out/Dockerfile.runtime"

# `ldd` lines are `name => /path (addr)` or, for the loader, `/path (addr)`. Each file
# is copied under its own path, symlinks resolved, so the loader finds it where the
# binary's ELF header and the loader's built-in search path say.
libraries=$(ldd "$binary" | awk '
  $2 == "=>" && $3 ~ /^\// { print $3 }
  $1 ~ /^\// { print $1 }
')
[ -n "$libraries" ] || { echo "stage-rootfs: ldd found no libraries (a static binary needs none)" >&2; }
for library in $libraries; do
  cp -L --parents "$library" "$out/rootfs"
done
# The CA certificates of the build machine (Debian's ca-certificates), for HTTPS to a
# bucket (`--storage s3://...` on AWS or any server with a public certificate).
bundle=/etc/ssl/certs/ca-certificates.crt
if [ -f "$bundle" ]; then
  mkdir -p "$out/rootfs/etc/ssl/certs"
  cp -L "$bundle" "$out/rootfs/etc/ssl/certs/"
else
  echo "stage-rootfs: no $bundle (install ca-certificates): the image will not trust HTTPS buckets" >&2
fi
echo "staged $(du -sh "$out/rootfs" | cut -f1) in $out/rootfs"
