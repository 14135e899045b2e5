import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DreamError, errorMessage } from '../errors';
import { clientConnectionOptions, TemporalTarget } from './connection';
import { SEARCH_ATTRIBUTE_FLAGS } from '../contracts/search-attributes';

export interface DevServerOptions {
  /** Path of the `temporal` CLI binary. */
  binary: string;
  /** SQLite file for persistence; omitted: in-memory (lost at stop). */
  dbFile?: string;
  /** gRPC frontend port on 127.0.0.1. */
  port: number;
  /** Web UI port; omitted: headless. */
  uiPort?: number;
  namespace?: string;
  /** Server log file; default: discarded. */
  logFile?: string;
  /** How long to wait for readiness. Default 60 s. */
  readyTimeoutMs?: number;
  /** Dynamic config values of the server. Default DEV_SERVER_DYNAMIC_CONFIG; `{}` for a stock dev server. */
  dynamicConfig?: Readonly<Record<string, number | string | boolean>>;
}

/**
 * What the embedded server changes from a stock `temporal server start-dev`.
 *
 * `history.transferProcessorMaxPollRPS` (default 20): how often a history shard may read its
 * transfer queue, the queue every hop between workflows crosses (a workflow task or activity to
 * matching, a child's start, a child's end to its parent). The dev server has one shard, so the
 * whole swarm shares one reader at 20 reads a second and, under load, each crossing waits up to
 * 50 ms; a cluster spreads workflows over many shards, each with its own reader. Measured on the
 * mission bench (100 tasks, 20 at a time): a workflow task waited 37-50 ms for matching at 20, 0-8 ms
 * at 200. A cap, not a poll loop: an idle server reads no more often (see README, "Two commands").
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 200,
};

/** The `temporal` CLI arguments of a dev server with these options. */
export function devServerArgs(options: Pick<DevServerOptions, 'port' | 'dbFile' | 'uiPort' | 'namespace' | 'dynamicConfig'>): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace ?? 'default', '--log-level', 'warn'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  for (const attribute of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', attribute);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? DEV_SERVER_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  return args;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl?: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Waits until the server answers real calls, not just its health check: after a restart on
 * the same db file the dev server may answer "Not enough hosts to serve the request" for a
 * while (temporalio/cli#632), so readiness means a successful ListWorkflowExecutions.
 */
export async function waitForTemporal(target: TemporalTarget, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const { address, namespace } = target;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not reachable';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('the server process exited during start-up');
    try {
      const connection = await Connection.connect(clientConnectionOptions(target, 2_000));
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = errorMessage(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal at ${address} not ready after ${timeoutMs} ms: ${lastError}`);
}

/** Starts `temporal server start-dev` as a child process and waits until it serves requests. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  if (await isPortOpen(options.port)) {
    throw new DreamError(
      'PORT_IN_USE',
      `Port ${options.port} on 127.0.0.1 is already in use, so the embedded Temporal server cannot start.`,
      `Stop what listens there, set DREAMOS_TEMPORAL_PORT to a free port, or set TEMPORAL_ADDRESS=127.0.0.1:${options.port} if it is a Temporal server.`,
    );
  }
  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = devServerArgs({ ...options, namespace });

  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(options.binary, args, { stdio: ['ignore', log, log], detached: false });
  if (typeof log === 'number') fs.closeSync(log);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitForTemporal({ address, namespace }, options.readyTimeoutMs ?? 60_000, () => child.exitCode === null && !spawnError);
  } catch (err) {
    child.kill('SIGKILL');
    await exited(child);
    throw new DreamError(
      'TEMPORAL_START_FAILED',
      `The embedded Temporal server did not start: ${spawnError ? spawnError.message : errorMessage(err)}.`,
      options.logFile ? `See its log at ${options.logFile}.` : 'Run it by hand to see why: ' + [options.binary, ...args].join(' '),
    );
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : undefined,
    pid: child.pid ?? -1,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
