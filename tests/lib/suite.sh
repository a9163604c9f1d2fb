# Shared by the suites' run.sh files (source it): the loud skip, the binary to test, Node.js
# and a suite's locked npm dependencies, and a Docker engine to test the image with.

# Says why a suite cannot run, loudly; exits 0 (skipped), or 1 when
# CSMOCK_REQUIRE_COMPAT=1 (as in CI), where every suite is required.
#   missing_runtime "<what is missing>" "<the suite>" "<how to get it>"
missing_runtime() {
  {
    echo
    echo "############################################################################"
    echo "##  WARNING: $1"
    echo "##  $2"
    if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then
      echo "##  is REQUIRED (CSMOCK_REQUIRE_COMPAT=1): failing."
    else
      echo "##  was SKIPPED. $3"
    fi
    echo "############################################################################"
    echo
  } >&2
  if [ "${CSMOCK_REQUIRE_COMPAT:-}" = "1" ]; then exit 1; fi
  exit 0
}

# The binary under test: $CSMOCK_BIN, by default the release build (the test command
# builds it once and every suite, the image and the packages use it).
require_binary() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  export CSMOCK_BIN="${CSMOCK_BIN:-$root/target/release/contentstack-mock}"
  if [ ! -x "$CSMOCK_BIN" ]; then
    echo "error: contentstack-mock binary not found at $CSMOCK_BIN (run \`cargo build --release\` first, or set CSMOCK_BIN)" >&2
    exit 1
  fi
}

# Node.js >= 20 with npm, or the loud skip of the suite named by $1.
require_node() {
  local hint="Install Node.js >= 20 and npm to run it."
  command -v node >/dev/null 2>&1 || missing_runtime "node was not found on PATH." "$1" "$hint"
  command -v npm >/dev/null 2>&1 || missing_runtime "npm was not found on PATH." "$1" "$hint"
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
    missing_runtime "node $(node --version) is too old (need >= 20)." "$1" "$hint"
}

# `npm ci` in the current folder, again only when its package-lock.json changed (a stamp in
# node_modules says which one was installed). $1 names what is installed, for the log.
npm_ci_locked() {
  local stamp="node_modules/.csmock-lock-cksum" want
  want="$(cksum < package-lock.json)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> npm ci ($1)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
}

# Runs `apt-get install` for the Debian packages named, when run as root with apt-get;
# returns 1 otherwise or when the install fails.
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  echo "==> apt-get install $*"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >/dev/null
}

# Makes sure a Docker engine answers, and exports DOCKER_HOST for it: the one already
# running (DOCKER_HOST or the default socket), else Debian's dockerd, installed with
# apt-get when missing and started here (no systemd needed) with its state under
# $CSMOCK_DOCKER_ROOT; stop_docker stops it again. Returns 1 when there is no engine.
ensure_docker() {
  command -v docker >/dev/null 2>&1 || apt_install docker.io || return 1
  if docker info >/dev/null 2>&1; then return 0; fi
  local state="${CSMOCK_DOCKER_ROOT:-/var/tmp/contentstack-mock-docker}"
  export DOCKER_HOST="unix://$state/docker.sock"
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io || return 1
  [ "$(id -u)" = 0 ] || return 1
  mkdir -p "$state"
  echo "==> starting dockerd (state in $state)"
  dockerd --data-root "$state/root" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
  started_dockerd=$!
  local _
  for _ in $(seq 1 150); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$started_dockerd" 2>/dev/null || break
    sleep 0.2
  done
  echo "dockerd did not start; the end of its log:" >&2
  tail -20 "$state/dockerd.log" >&2 || true
  return 1
}

# Stops the dockerd that ensure_docker started, if it started one.
stop_docker() {
  [ -n "${started_dockerd:-}" ] || return 0
  kill "$started_dockerd" 2>/dev/null || true
  wait "$started_dockerd" 2>/dev/null || true
  started_dockerd=""
}

# A free TCP port on 127.0.0.1 (for a container's published port).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# This machine as an npm platform package name (linux-x64, darwin-arm64, ...), or nothing.
npm_platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo linux-x64 ;;
    Linux-aarch64) echo linux-arm64 ;;
    Darwin-x86_64) echo darwin-x64 ;;
    Darwin-arm64) echo darwin-arm64 ;;
  esac
}

# `docker build` with its output shown only when it fails (the legacy builder of older
# engines also prints a deprecation notice on every build).
quiet_build() {
  local log
  log="$(mktemp)"
  if ! docker build "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# Builds the runtime image (docker/Dockerfile.runtime) from $CSMOCK_BIN as $1, unless an
# image of that tag was already built from the same binary, Dockerfile and staging script
# in this engine (a label holds their sha256): the container, npm and PyPI suites and the
# README's quick start share one build per run.
ensure_image() {
  local image="$1" root sum stage
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  sum="$(cat "$CSMOCK_BIN" "$root/docker/Dockerfile.runtime" "$root/docker/stage-rootfs.sh" | sha256sum | cut -d' ' -f1)"
  if [ "$(docker image inspect -f '{{index .Config.Labels "contentstack-mock.build-sha256"}}' "$image" 2>/dev/null)" = "$sum" ]; then
    echo "==> $image: already built from this binary and Dockerfile"
    return 0
  fi
  echo "==> building $image from $CSMOCK_BIN"
  stage="$(mktemp -d)"
  bash "$root/docker/stage-rootfs.sh" "$CSMOCK_BIN" "$stage" &&
    quiet_build -f "$stage/Dockerfile.runtime" --label "contentstack-mock.build-sha256=$sum" -t "$image" "$stage"
  local status=$?
  rm -rf "$stage"
  return $status
}

# Starts a PostgreSQL server of its own for a suite (Debian's postgresql, installed with
# apt-get when missing; `initdb` and `pg_ctl`, no systemd): a cluster in a temp folder,
# C collation, on a free port of 127.0.0.1, trusting local connections. Exports
# CSMOCK_TEST_DATABASE (its `postgres` database); stop_postgres stops it and removes the
# folder. Returns 1 when there is no PostgreSQL to start.
start_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$bin" ]; then
    apt_install postgresql || return 1
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$bin" ] || return 1
  fi
  # initdb refuses to run as root: the cluster belongs to the postgres user then.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || return 1
    as=(runuser -u postgres --)
  fi
  CSMOCK_PG_DIR="$(mktemp -d)"
  chmod 755 "$CSMOCK_PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$CSMOCK_PG_DIR"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${as[@]}" "$bin/initdb" -D "$CSMOCK_PG_DIR/data" --locale=C --encoding=UTF8 -A trust -U postgres >"$CSMOCK_PG_DIR/initdb.log" 2>&1 ||
    { cat "$CSMOCK_PG_DIR/initdb.log" >&2; return 1; }
  # A test server throws its data away: no fsync. Each test's mock opens a few
  # connections, and tests run in parallel.
  "${as[@]}" "$bin/pg_ctl" -D "$CSMOCK_PG_DIR/data" -l "$CSMOCK_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $CSMOCK_PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$CSMOCK_PG_DIR/server.log" >&2; return 1; }
  CSMOCK_PG_CTL=("${as[@]}" "$bin/pg_ctl" -D "$CSMOCK_PG_DIR/data")
  export CSMOCK_TEST_DATABASE="postgres://postgres@127.0.0.1:$port/postgres"
  echo "==> PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at 127.0.0.1:$port"
}

stop_postgres() {
  [ -n "${CSMOCK_PG_DIR:-}" ] || return 0
  "${CSMOCK_PG_CTL[@]}" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$CSMOCK_PG_DIR"
  CSMOCK_PG_DIR=""
}
