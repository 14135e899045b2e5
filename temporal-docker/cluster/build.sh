#!/usr/bin/env bash
# Builds the Temporal server (go.temporal.io/server) and its SQL schema tool once, into a cache
# folder shared by tests, CI and the cluster script, so nobody rebuilds a 160 MB binary per run.
# Prints the cache folder on its last line.
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.2}"
# v1.32.x needs Go >= 1.26.10; the machine has 1.26.8 (MACHINE.md): the proxy serves this toolchain.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
CACHE="${DREAMOS_CLUSTER_CACHE:-$HOME/.cache/dreamos/temporal-server-${TEMPORAL_SERVER_VERSION#v}}"
mkdir -p "$CACHE"

log() { printf '[cluster-build] %s\n' "$*" >&2; }

# One build at a time per cache: a second caller (a test beside CI's build step) waits, then reuses it.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  log "another build into $CACHE is running; waiting for it"
  flock 9
fi

if [ -x "$CACHE/bin/temporal-server" ] && [ -x "$CACHE/bin/temporal-sql-tool" ] && [ -d "$CACHE/schema" ] && [ -d "$CACHE/config" ]; then
  log "cached build found in $CACHE"
  echo "$CACHE"
  exit 0
fi

command -v go >/dev/null || { log "go is not installed (apt-get install golang-go, or /usr/local/go)"; exit 2; }

# A scratch module pins the server version; the build runs in it so go.sum stays out of the repo.
MOD="$CACHE/module"
mkdir -p "$MOD" "$CACHE/bin"
cd "$MOD"
[ -f go.mod ] || go mod init dreamos.local/temporal-server-build >/dev/null 2>&1
log "fetching go.temporal.io/server@${TEMPORAL_SERVER_VERSION} (toolchain $GOTOOLCHAIN)"
# Getting the two main packages (not just the module) records every dependency they import in go.sum.
go get "go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}" "go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}" >&2

start=$(date +%s)
if [ ! -x "$CACHE/bin/temporal-sql-tool" ]; then
  log "building the SQL schema tool"
  go build -o "$CACHE/bin/temporal-sql-tool.partial" go.temporal.io/server/cmd/tools/sql >&2
  mv "$CACHE/bin/temporal-sql-tool.partial" "$CACHE/bin/temporal-sql-tool"
fi
if [ ! -x "$CACHE/bin/temporal-server" ]; then
  log "building the server (about 7 minutes on 2 cores)"
  go build -o "$CACHE/bin/temporal-server.partial" go.temporal.io/server/cmd/server >&2
  mv "$CACHE/bin/temporal-server.partial" "$CACHE/bin/temporal-server"
fi
log "built in $(( $(date +%s) - start )) s"

# Schemas and config templates come from the same module version as the binary.
SRC="$(go env GOMODCACHE)/go.temporal.io/server@${TEMPORAL_SERVER_VERSION}"
rm -rf "$CACHE/schema" "$CACHE/config"
cp -r "$SRC/schema" "$CACHE/schema"
cp -r "$SRC/config" "$CACHE/config"
chmod -R u+w "$CACHE/schema" "$CACHE/config"
echo "$CACHE"
