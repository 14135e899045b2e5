#!/usr/bin/env node
// Runs inside the image build (Dockerfile.worker, stage `prune`), with Node built-ins only, so it
// works on a base image that has no shell or npm (the offline base).
// Usage: node prune-modules.js <app folder with package-lock.json and node_modules> [state folder]
// It:
//   1. removes the packages the lockfile marks dev-only (what `npm prune --omit=dev` removes);
//   2. removes native build leftovers the worker never loads: the Temporal core bridge for other
//      platforms and its Rust sources, better-sqlite3's SQLite sources and object files;
//   3. creates the state folder (DREAMOS_HOME) the worker writes to, when one is given.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const app = path.resolve(process.argv[2] || '/app');
const stateDir = process.argv[3];
const modules = path.join(app, 'node_modules');
const say = (line) => process.stdout.write(`[prune] ${line}\n`);

function sizeOf(target) {
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((sum, name) => sum + sizeOf(path.join(target, name)), 0);
}

function remove(target) {
  const bytes = sizeOf(target);
  fs.rmSync(target, { recursive: true, force: true });
  return bytes;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// Native addons are built per Node ABI: node_modules from a Node 20 host does not load on a Node 24
// base (or the reverse). Say so here, with the fix, rather than at the worker's first start.
try {
  const Database = require(path.join(modules, 'better-sqlite3'));
  new Database(':memory:').close();
} catch (err) {
  process.stderr.write(
    `[prune] error: better-sqlite3 does not load on this base image's Node ${process.version}: ${String(err.message).split('\n')[0]}\n` +
      '[prune]   fix: build the image with a base of the same Node major as the host that ran `npm install` ' +
      '(--build-arg BASE_IMAGE=node:<major>-bookworm-slim), or run `npm install` on that Node.\n',
  );
  process.exit(1);
}

const lock = JSON.parse(fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8'));
if (!lock.packages) throw new Error('package-lock.json has no "packages" map (lockfileVersion 2 or later is needed)');

let devBytes = 0;
let devCount = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  // `dev` marks packages only dev dependencies need; `devOptional` ones are kept, as npm does.
  if (!location || !entry.dev) continue;
  devBytes += remove(path.join(app, location));
  devCount += 1;
}
say(`removed ${devCount} dev-only packages (${mb(devBytes)})`);

const platformDir = { x64: 'x86_64-unknown-linux-gnu', arm64: 'aarch64-unknown-linux-gnu' }[process.arch];
const bridge = path.join(modules, '@temporalio', 'core-bridge');
const leftovers = [
  path.join(bridge, 'sdk-core'),
  path.join(bridge, 'src'),
  path.join(bridge, 'bridge-macros'),
  path.join(bridge, 'Cargo.toml'),
  path.join(bridge, 'Cargo.lock'),
  path.join(modules, 'better-sqlite3', 'deps'),
  path.join(modules, 'better-sqlite3', 'src'),
  path.join(modules, 'better-sqlite3', 'build', 'Release', 'obj'),
  path.join(modules, 'better-sqlite3', 'build', 'Release', 'obj.target'),
  path.join(modules, 'better-sqlite3', 'build', 'Release', 'sqlite3.a'),
  path.join(modules, 'better-sqlite3', 'build', 'Release', 'test_extension.node'),
];
const releases = path.join(bridge, 'releases');
if (platformDir && fs.existsSync(path.join(releases, platformDir))) {
  for (const name of fs.readdirSync(releases)) if (name !== platformDir) leftovers.push(path.join(releases, name));
} else {
  say(`keeping every core-bridge release: no prebuilt one for linux-${process.arch}`);
}
const leftoverBytes = leftovers.reduce((sum, target) => sum + remove(target), 0);
say(`removed native build leftovers (${mb(leftoverBytes)})`);
say(`node_modules now ${mb(sizeOf(modules))}`);

if (stateDir) fs.mkdirSync(stateDir, { recursive: true });
