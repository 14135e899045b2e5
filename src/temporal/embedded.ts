import path from 'node:path';
import { DreamConfig } from '../config';
import { errorMessage } from '../errors';
import { resolveTemporalCli } from './cli-binary';
import { DevServer, startDevServer, waitForTemporal } from './dev-server';
import { TemporalTarget, temporalTarget } from './connection';

export interface TemporalEndpoint {
  /** How to connect (address, namespace, TLS, API key). */
  target: TemporalTarget;
  /** Web UI base URL when known. */
  uiUrl?: string;
  /** Set when this process started the embedded dev server (and must stop it). */
  server?: DevServer;
}

/**
 * Uses TEMPORAL_ADDRESS when it answers; otherwise starts the embedded dev server with its
 * state in `<home>/temporal.db` and the project's search attributes registered.
 */
export async function ensureTemporal(config: DreamConfig, progress: (line: string) => void): Promise<TemporalEndpoint> {
  const { address, namespace, cliPath, port, uiPort } = config.temporal;
  if (address) {
    try {
      const target = temporalTarget(config);
      await waitForTemporal(target, 5_000);
      progress(`Using the Temporal server at ${address} (TEMPORAL_ADDRESS), namespace ${namespace}.`);
      return { target, uiUrl: config.dashboard.temporalUiUrl };
    } catch (err) {
      progress(`TEMPORAL_ADDRESS=${address} does not answer (${errorMessage(err)}); starting the embedded server instead.`);
    }
  }
  const binary = resolveTemporalCli({ explicitPath: cliPath, toolsDir: path.join(config.home, 'tools'), onProgress: progress });
  const dbFile = path.join(config.home, 'temporal.db');
  progress(`Starting the embedded Temporal server (${binary}) with state in ${dbFile} ...`);
  const server = await startDevServer({ binary, dbFile, port, uiPort, namespace, logFile: path.join(config.home, 'temporal.log') });
  progress(`Temporal server ready at ${server.address}.`);
  // The embedded server is plain text on loopback: TLS settings are for remote servers.
  return { target: { address: server.address, namespace }, uiUrl: server.uiUrl, server };
}
