#!/usr/bin/env node
// Set-up that `npm start`, `npm test` and `npm run bench` run first: installs whatever is missing
// (npm packages, the build, the Temporal CLI) and says what it does. Node built-ins only, since it
// runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`[setup] ${line}\n`);

function fail(message, fix) {
  process.stderr.write(`[setup] error: ${message}\n[setup]   fix: ${fix}\n`);
  process.exit(1);
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`, 'Read the output above; rerun once the cause is fixed.');
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|json|html|css|js)$/.test(entry.name)) newest = Math.max(newest, mtime(full));
    }
  };
  for (const dir of dirs) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return Math.max(newest, mtime(path.join(root, 'tsconfig.json')), mtime(path.join(root, 'package.json')));
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 3)) fail(`Node ${process.versions.node} is too old.`, 'Install Node.js 24 LTS (or 20.3 or later) and rerun.');

// 1. npm packages
const installedLock = path.join(root, 'node_modules', '.package-lock.json');
if (mtime(installedLock) < Math.max(mtime(path.join(root, 'package.json')), mtime(path.join(root, 'package-lock.json')))) {
  say('Installing npm packages (first run builds better-sqlite3 and may take a few minutes) ...');
  const env = { ...process.env };
  // node-gyp needs Node's headers; use the local ones instead of downloading them.
  if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  run('npm', ['install', '--no-audit', '--no-fund'], env);
  const now = new Date();
  fs.utimesSync(installedLock, now, now);
}

// 2. the build: TypeScript and the workflow bundle
const stamp = path.join(root, 'dist', '.build-stamp');
if (mtime(stamp) < newestSource(['src', 'workflows', 'activities', 'workers', 'bench', 'scripts', 'test'])) {
  say('Building (tsc + workflow bundle) ...');
  run('npm', ['run', '--silent', 'build']);
  fs.writeFileSync(stamp, new Date().toISOString());
}

// 3. the Temporal CLI (used for the embedded server and by the tests)
run(process.execPath, [path.join(root, 'dist', 'scripts', 'ensure-temporal.js')]);
