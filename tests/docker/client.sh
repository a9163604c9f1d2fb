#!/bin/sh
# The compose test's client service (busybox, no curl): it starts once the mock is
# healthy, reaches it by its service name, uploads a file, and downloads it again from the
# `url` the mock handed out, which must name the service too. Exit 0 when the bytes match.
set -eu
base="http://contentstack-mock:8484"
cd /tmp
printf 'uploaded by the compose client at %s\n' "$(date)" > original.txt
{
  printf -- '--BOUNDARY\r\n'
  printf 'Content-Disposition: form-data; name="asset[upload]"; filename="compose.txt"\r\n'
  printf 'Content-Type: text/plain\r\n\r\n'
  cat original.txt
  printf '\r\n--BOUNDARY--\r\n'
} > body
wget -q -O answer \
  --header 'api_key: blt0000000000000001' \
  --header 'authorization: cs00000000000000000000000000000001' \
  --header 'Content-Type: multipart/form-data; boundary=BOUNDARY' \
  --post-file body "$base/v3/assets"
url="$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' answer)"
echo "client: the asset's url is $url"
case "$url" in
  "$base"/v3/assets/*) ;;
  *) echo "client: the url does not start with $base" >&2; exit 1 ;;
esac
wget -q -O downloaded "$url"
[ "$(sha256sum < original.txt)" = "$(sha256sum < downloaded)" ] || { echo "client: other bytes came back" >&2; exit 1; }
echo "client: downloaded the same bytes by the service name"
