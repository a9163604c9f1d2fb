#!/usr/bin/env bash
# The container suite: builds the runtime image (docker/Dockerfile.runtime) from the binary
# the test command built, with a real engine, and checks what a user of `docker run`,
# docker-compose and CI services relies on:
#   - the image's size, and its own HEALTHCHECK turning healthy (time measured);
#   - `docker run -p <random>:8484`: an upload's `url` downloads the same bytes from the host;
#   - the HTTPS listener (`-p <random>:8443`): an `https://` url that downloads the same bytes;
#   - docker/compose.yaml with a client service that waits on `service_healthy` and
#     uploads and downloads by the service name;
#   - `docker stop`: SIGTERM, a clean exit 0.
# The engine is the one running, or Debian's dockerd started here (tests/lib/suite.sh).
# Without one the suite is skipped loudly, or fails under CSMOCK_REQUIRE_COMPAT=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/suite.sh
source "$root/tests/lib/suite.sh"
suite="The container suite (docker/Dockerfile.runtime, docker/compose.yaml)"
require_binary

# The runtime image holds this much at most (uncompressed).
max_image_bytes=$((30 * 1024 * 1024))
image=contentstack-mock:test
client_image=contentstack-mock-test-client:test
api_key=blt0000000000000001
token=cs00000000000000000000000000000001

ensure_docker || missing_runtime "no Docker engine could be found or started." "$suite" \
  "Install docker.io (or run as root, where it is installed and started)."
command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose ||
  missing_runtime "docker-compose was not found." "$suite" "Install docker-compose."
[ -x /bin/busybox ] || apt_install busybox-static ||
  missing_runtime "busybox (for the compose client) was not found." "$suite" "Install busybox-static."
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || apt_install "$tool" || missing_runtime "$tool was not found." "$suite" "Install $tool."
done

work="$(mktemp -d)"
containers=()
project="csmock-test-$$"
cleanup() {
  for container in "${containers[@]}"; do docker rm -f "$container" >/dev/null 2>&1 || true; done
  CONTENTSTACK_MOCK_PORT=0 docker-compose -p "$project" -f "$root/docker/compose.yaml" \
    -f "$here/compose.test.yaml" down -v >/dev/null 2>&1 || true
  rm -rf "$work"
  stop_docker
}
trap cleanup EXIT
fail() { echo "container suite FAILED: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

ensure_image "$image" || fail "the image did not build"
size="$(docker image inspect -f '{{.Size}}' "$image")"
echo "    image size: $((size / 1024)) KiB uncompressed"
[ "$size" -le "$max_image_bytes" ] || fail "the image is $size bytes, more than $max_image_bytes"

# Waits for a container's own HEALTHCHECK to say healthy; prints how long it took.
wait_healthy() {
  local container="$1" started="$2" status=""
  for _ in $(seq 1 300); do
    status="$(docker inspect -f '{{.State.Health.Status}}' "$container")"
    [ "$status" = healthy ] && { echo $(($(now_ms) - started)); return 0; }
    [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] || break
    sleep 0.05
  done
  docker logs "$container" >&2 || true
  fail "$container is not healthy (status: $status)"
}

# Uploads $2 through the base URL $1 (extra curl flags after), prints the asset's url.
upload() {
  local base="$1" file="$2"
  shift 2
  curl -sS --fail-with-body "$@" -H "api_key: $api_key" -H "authorization: $token" \
    -F "asset[upload]=@$file" "$base/v3/assets" | jq -r '.asset.url'
}

head -c 200000 /dev/urandom >"$work/photo.bin"

echo "==> docker run -p <random>:8484, then an upload and a download by its url"
http_port="$(free_port)"
started="$(now_ms)"
http_container="$(docker run -d -p "127.0.0.1:$http_port:8484" "$image")"
containers+=("$http_container")
healthy_ms="$(wait_healthy "$http_container" "$started")"
echo "    start to healthy (the image's HEALTHCHECK): $healthy_ms ms"
url="$(upload "http://localhost:$http_port" "$work/photo.bin")"
echo "    url: $url"
case "$url" in
  "http://localhost:$http_port/v3/assets/$api_key/"*) ;;
  *) fail "the url does not name the mapped port: $url" ;;
esac
curl -sS --fail "$url" -o "$work/downloaded.bin"
cmp -s "$work/photo.bin" "$work/downloaded.bin" || fail "the url gave other bytes"

echo "==> the same over the HTTPS listener"
https_port="$(free_port)"
started="$(now_ms)"
https_container="$(docker run -d -p "127.0.0.1:$https_port:8443" -e CSMOCK_TLS_LISTEN=0.0.0.0:8443 \
  -e CSMOCK_EPHEMERAL=true "$image")"
containers+=("$https_container")
wait_healthy "$https_container" "$started" >/dev/null
# The self-signed certificate covers localhost; copy it out and trust it.
for _ in $(seq 1 50); do
  docker cp "$https_container:/tmp" "$work/container-tmp" >/dev/null 2>&1 && break
  sleep 0.1
done
certificate="$(find "$work/container-tmp" -name cert.pem | head -1)"
[ -n "$certificate" ] || fail "no certificate under the container's /tmp"
url="$(upload "https://localhost:$https_port" "$work/photo.bin" --cacert "$certificate")"
echo "    url: $url"
case "$url" in
  "https://localhost:$https_port/v3/assets/$api_key/"*) ;;
  *) fail "the HTTPS url does not name the mapped port and https: $url" ;;
esac
curl -sS --fail --cacert "$certificate" "$url" -o "$work/downloaded-tls.bin"
cmp -s "$work/photo.bin" "$work/downloaded-tls.bin" || fail "the HTTPS url gave other bytes"

echo "==> docker stop: SIGTERM, a clean exit"
docker stop -t 15 "$http_container" >/dev/null
exit_code="$(docker inspect -f '{{.State.ExitCode}}' "$http_container")"
[ "$exit_code" = 0 ] || { docker logs "$http_container" >&2; fail "exit code $exit_code after docker stop"; }
docker logs "$http_container" 2>&1 | grep -q "stopped" || fail "the log does not say it stopped"

echo "==> docker-compose: a client service waits for service_healthy, then uses the service name"
mkdir -p "$work/client/rootfs/bin" "$work/client/rootfs/tmp"
cp /bin/busybox "$work/client/rootfs/bin/busybox"
for applet in sh wget sed sha256sum printf cat date; do ln -s busybox "$work/client/rootfs/bin/$applet"; done
cp "$here/client.sh" "$work/client/rootfs/client.sh"
printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\n' >"$work/client/Dockerfile"
quiet_build -t "$client_image" "$work/client"
compose=(docker-compose --ansi never -p "$project" -f "$root/docker/compose.yaml" -f "$here/compose.test.yaml")
export CONTENTSTACK_MOCK_PORT
CONTENTSTACK_MOCK_PORT="$(free_port)"
"${compose[@]}" up --exit-code-from client --abort-on-container-exit >"$work/compose.log" 2>&1 ||
  { cat "$work/compose.log" >&2; fail "the compose client failed"; }
grep "client" "$work/compose.log" | grep -E "url is|same bytes" | sed 's/^/    /'
echo "container suite: all checks passed"
