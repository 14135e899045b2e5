#!/usr/bin/env bash
# Builds a Node base image without any registry: a root filesystem made of this host's `node`
# binary and every shared library that `ldd` lists for it and for the project's native modules
# (@temporalio/core-bridge, better-sqlite3, ...), imported with `docker import`.
# Use it as `--build-arg BASE_IMAGE=dreamos/node-base:local` for Dockerfile.worker.
#
#   temporal-docker/build-offline-base.sh [image tag, default dreamos/node-base:local]
#
# Needs: a running Docker engine, `node` on PATH, `npm install` done (for the native modules).
# The image has no shell, no package manager, no npm: node, its libraries, and users root and node (1000).
set -euo pipefail

TAG="${1:-dreamos/node-base:local}"
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[offline-base] %s\n' "$*"; }
fail() { printf '[offline-base] error: %s\n[offline-base]   fix: %s\n' "$1" "$2" >&2; exit 1; }

command -v docker >/dev/null || fail "the docker CLI is not installed" "apt-get install -y docker.io"
docker info >/dev/null 2>&1 || fail "the Docker engine does not answer" "start it: dockerd >/tmp/dockerd.log 2>&1 &"
NODE_BIN="$(readlink -f "$(command -v node)")" || fail "node is not on PATH" "install Node.js 24 LTS"
NODE_VERSION="$("$NODE_BIN" --version)"
case "$NODE_VERSION" in v20.*) ;; *) say "warning: host node is $NODE_VERSION; node_modules must be built for the same major version" ;; esac
[ -d "$ROOT_DIR/node_modules" ] || fail "no node_modules in $ROOT_DIR" "run npm install first"

STAGE="$(mktemp -d /tmp/dreamos-node-base.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
ROOTFS="$STAGE/rootfs"
START=$SECONDS

say "node $NODE_VERSION from $NODE_BIN"
# The project's native modules for this platform (prebuilt core bridges of other platforms are skipped by ldd).
mapfile -t NATIVE < <(find "$ROOT_DIR/node_modules" -name '*.node' -type f -not -path '*/obj.target/*' | sort)
say "inspecting ${#NATIVE[@]} native module(s) with ldd"

# Debian's merged /usr layout, so library paths from ldd are valid inside the image as they are.
mkdir -p "$ROOTFS"/{usr/bin,usr/lib,usr/lib64,usr/sbin,usr/local/bin,etc,tmp,root,home/node,dev,proc,sys}
for dir in bin lib lib64 sbin; do ln -s "usr/$dir" "$ROOTFS/$dir"; done
chmod 1777 "$ROOTFS/tmp"
chmod 0700 "$ROOTFS/root"
chown 1000:1000 "$ROOTFS/home/node"
cp "$NODE_BIN" "$ROOTFS/usr/local/bin/node"

declare -A LIBS=()
for binary in "$NODE_BIN" "${NATIVE[@]}"; do
  # Modules for another architecture are "not a dynamic executable": nothing to collect.
  output="$(ldd "$binary" 2>&1)" || continue
  if grep -q 'not found' <<<"$output"; then
    fail "$binary needs a library this host lacks: $(grep 'not found' <<<"$output" | head -1)" "install it on the host and rerun"
  fi
  while read -r lib; do LIBS["$lib"]=1; done < <(awk '/=> \// { print $3 } /^\t\// { print $1 }' <<<"$output")
done
for lib in "${!LIBS[@]}"; do
  # --parents keeps the path ldd printed; -L stores the library itself, not a dangling link.
  cp --parents -L "$lib" "$ROOTFS"
done
say "copied ${#LIBS[@]} shared libraries"

# Loader cache for the copied library folders (the loader's built-in list may not have them all).
printf '%s\n' "${!LIBS[@]}" | xargs -n1 dirname | sort -u >"$ROOTFS/etc/ld.so.conf"
ldconfig -r "$ROOTFS" 2>/dev/null || say "warning: ldconfig -r failed; relying on the loader's default paths"

cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
node:x:1000:1000:node:/home/node:/usr/sbin/nologin
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
node:x:1000:
EOF
cat >"$ROOTFS/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

say "root filesystem: $(du -sh "$ROOTFS" | cut -f1); importing as $TAG"
tar -C "$ROOTFS" --numeric-owner -cf - . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'CMD ["node"]' \
  --change "LABEL org.opencontainers.image.description=\"Dream.OS offline Node base (host node ${NODE_VERSION} + its libraries)\"" \
  - "$TAG" >/dev/null

say "checking: node runs and loads the native modules"
docker run --rm --network none -v "$ROOT_DIR/node_modules:/check/node_modules:ro" -w /check "$TAG" node -e "
  const Database = require('better-sqlite3');
  new Database(':memory:').prepare('select 1').get();
  require('@temporalio/core-bridge');
  console.log('node ' + process.version + ' loads better-sqlite3 and @temporalio/core-bridge');
"
say "done in $((SECONDS - START)) s: $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{ printf "%.0f MB", $1 / 1000000 }'))"
