import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DreamError } from '../errors';
import { freePort, isPortOpen } from './dev-server';

/** temporal-docker/cluster/cluster.sh, from source (src/temporal) or compiled (dist/src/temporal). */
export function clusterScript(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'temporal-docker', 'cluster', 'cluster.sh');
}

export type ClusterService = 'frontend' | 'history' | 'matching' | 'worker';

export interface ClusterOptions {
  /** State folder (config, logs, pids). */
  dir: string;
  /** Frontend gRPC port; the script uses this +1..+3, +10 and +100..+103 too. Default: a free range. */
  port?: number;
  /** PostgreSQL port. Default: a free one. */
  pgPort?: number;
  /** Folder with ca.pem, server.pem/key, internal.pem/key: mTLS on the frontend. */
  tlsDir?: string;
  /** The `temporal` CLI for the script's health wait. */
  cliPath?: string;
  /** Output of every script run is appended here. */
  logFile: string;
}

/** A cluster run by cluster.sh: its address, and the script's verbs for one service or all. */
export interface Cluster {
  readonly address: string;
  readonly options: Required<Pick<ClusterOptions, 'port' | 'pgPort'>> & ClusterOptions;
  run(...args: string[]): Promise<void>;
  pidOf(service: ClusterService): number | undefined;
  /** Stops the services and drops the PostgreSQL cluster and the state folder. */
  destroy(): Promise<void>;
}

const OFFSETS = [0, 1, 2, 3, 10, 100, 101, 102, 103];

/** A frontend port whose whole range (see OFFSETS) is free on loopback. */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 900) * 10;
    const taken = await Promise.all(OFFSETS.map((offset) => isPortOpen(base + offset)));
    if (!taken.some(Boolean)) return base;
  }
  throw new DreamError('PORT_IN_USE', 'Found no free range of ports for a cluster between 20000 and 29100.', 'Stop some servers, or pass a port.');
}

function runScript(options: Cluster['options'], args: string[]): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DREAMOS_CLUSTER_DIR: options.dir,
    DREAMOS_CLUSTER_PORT: String(options.port),
    DREAMOS_CLUSTER_PG_PORT: String(options.pgPort),
    ...(options.tlsDir ? { DREAMOS_CLUSTER_TLS_DIR: options.tlsDir } : {}),
    ...(options.cliPath ? { TEMPORAL_CLI_PATH: options.cliPath } : {}),
  };
  return new Promise((resolve, reject) => {
    const log = fs.openSync(options.logFile, 'a');
    fs.writeSync(log, `\n$ cluster.sh ${args.join(' ')}\n`);
    const child = spawn('bash', [clusterScript(), ...args], { env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      const tail = fs.readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
      reject(new DreamError('CLUSTER_SCRIPT_FAILED', `cluster.sh ${args.join(' ')} exited with ${code}:\n${tail}`, `See ${options.logFile} and the logs in ${options.dir}/logs.`));
    });
  });
}

/** Brings a cluster up with cluster.sh (build cached, PostgreSQL, schemas, four services, health wait). */
export async function startCluster(input: ClusterOptions): Promise<Cluster> {
  const options = { ...input, port: input.port ?? (await freeClusterPort()), pgPort: input.pgPort ?? (await freePort()) };
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const cluster: Cluster = {
    address: `127.0.0.1:${options.port}`,
    options,
    run: (...args) => runScript(options, args),
    pidOf(service) {
      const file = path.join(options.dir, 'pids', `${service}.pid`);
      return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : undefined;
    },
    destroy: () => runScript(options, ['destroy']),
  };
  try {
    await cluster.run('up');
  } catch (err) {
    await cluster.destroy().catch(() => undefined);
    throw err;
  }
  return cluster;
}
