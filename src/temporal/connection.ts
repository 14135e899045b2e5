import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { NativeConnection } from '@temporalio/worker';
import { DreamConfig } from '../config';
import { DreamError, errorMessage } from '../errors';
import { probeTls } from './tls-probe';

/** Where and how to reach Temporal: one value shared by the client, the CLI and every worker. */
export interface TemporalTarget {
  /** host:port of a frontend. */
  address: string;
  namespace: string;
  tls?: DreamConfig['temporal']['tls'];
  /** API key (Temporal Cloud): a bearer token, which the SDK only sends over TLS. */
  apiKey?: string;
}

/** The configured server: TEMPORAL_ADDRESS (else the embedded server's port) with its namespace, TLS and API key. */
export function temporalTarget(config: DreamConfig, address?: string): TemporalTarget {
  const { tls, apiKey, namespace, port } = config.temporal;
  return { address: address ?? config.temporal.address ?? `127.0.0.1:${port}`, namespace, tls, apiKey };
}

function readPem(file: string, what: string, variable: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new DreamError('TEMPORAL_TLS_FILE', `Cannot read the ${what} ${file}: ${errorMessage(err)}.`, `Point ${variable} at a readable PEM file.`, { cause: err });
  }
}

/** Whether the connection uses TLS: TEMPORAL_TLS, any TLS file or name, or an API key (unless TEMPORAL_TLS=false). */
export function usesTls(target: TemporalTarget): boolean {
  const tls = target.tls;
  if (tls?.enabled === false) return false;
  return tls?.enabled === true || tls?.caFile !== undefined || tls?.certFile !== undefined || tls?.serverName !== undefined || target.apiKey !== undefined;
}

/** The SDK's TLS option: `false` for plain text, else the configured files read now (a missing file is a DreamError). */
export function tlsOptions(target: TemporalTarget): TLSConfig | false {
  const tls = target.tls;
  if (!usesTls(target)) return false;
  return {
    ...(tls?.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls?.caFile ? { serverRootCACertificate: readPem(tls.caFile, 'CA certificate', 'TEMPORAL_TLS_CA_PATH') } : {}),
    ...(tls?.certFile && tls.keyFile
      ? { clientCertPair: { crt: readPem(tls.certFile, 'client certificate', 'TEMPORAL_TLS_CERT_PATH'), key: readPem(tls.keyFile, 'client key', 'TEMPORAL_TLS_KEY_PATH') } }
      : {}),
  };
}

const TLS_FAILURE = /certificate|handshake|tls|ssl|alert|unknown ca|bad cert|peer|secure/i;
const AUTH_FAILURE = /PERMISSION_DENIED|UNAUTHENTICATED|unauthori[sz]ed|forbidden|api key/i;

/** Turns a failed connection into a DreamError that says whether TLS, the credentials or the address is wrong. */
export function connectionError(target: TemporalTarget, err: unknown): DreamError {
  const message = errorMessage(err);
  const secured = usesTls(target);
  if (AUTH_FAILURE.test(message)) {
    return new DreamError(
      'TEMPORAL_PERMISSION_DENIED',
      `The Temporal server at ${target.address} refused the credentials: ${message}`,
      'Check TEMPORAL_API_KEY (or the client certificate) and that it has access to namespace ' + target.namespace + '.',
      { cause: err },
    );
  }
  if (secured && TLS_FAILURE.test(message)) {
    return new DreamError(
      'TEMPORAL_TLS_REFUSED',
      `The TLS handshake with the Temporal server at ${target.address} failed: ${message}`,
      'Use a client certificate signed by a CA the server trusts (TEMPORAL_TLS_CERT_PATH / TEMPORAL_TLS_KEY_PATH), the CA that signed the ' +
        "server's certificate (TEMPORAL_TLS_CA_PATH), and TEMPORAL_TLS_SERVER_NAME when the certificate names another host.",
      { cause: err },
    );
  }
  return new DreamError(
    'TEMPORAL_UNREACHABLE',
    `Cannot reach the Temporal server at ${target.address}: ${message}`,
    secured
      ? 'Check TEMPORAL_ADDRESS and that the server is up; if it does not use TLS, unset the TEMPORAL_TLS_* variables.'
      : 'Start it with `npm start` (embedded dev server) or `dreamos up`, or set TEMPORAL_ADDRESS to a running server (and TEMPORAL_TLS_* if it requires TLS).',
    { cause: err },
  );
}

/**
 * connectionError, with the reason of a failed TLS handshake found by a probe: gRPC reports a
 * refused client certificate only as "transport error" or "broken pipe".
 */
export async function explainConnectionError(target: TemporalTarget, err: unknown): Promise<DreamError> {
  if (!usesTls(target) || AUTH_FAILURE.test(errorMessage(err))) return connectionError(target, err);
  const reason = await probeTls(target.address, target.tls ?? {}).catch(() => undefined);
  if (reason === undefined) return connectionError(target, err);
  return connectionError(target, new Error(`TLS handshake refused: ${reason} (the client reported: ${errorMessage(err)})`, { cause: err }));
}

/** Options for `Connection.connect` (client side) from a target. */
export function clientConnectionOptions(target: TemporalTarget, connectTimeoutMs?: number) {
  return {
    address: target.address,
    tls: tlsOptions(target),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    ...(connectTimeoutMs ? { connectTimeout: connectTimeoutMs } : {}),
  };
}

/** A client connection that fails fast, with a DreamError, when the server is not there or refuses us. */
export async function connectClient(target: TemporalTarget, timeoutMs = 5_000): Promise<Client> {
  const options = clientConnectionOptions(target, timeoutMs);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(options);
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    await connection?.close().catch(() => undefined);
    throw await explainConnectionError(target, err);
  }
  return new Client({ connection, namespace: target.namespace });
}

/** The worker-side connection (Rust core), with the same errors. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  const options = { address: target.address, tls: tlsOptions(target), ...(target.apiKey ? { apiKey: target.apiKey } : {}) };
  try {
    return await NativeConnection.connect(options);
  } catch (err) {
    throw await explainConnectionError(target, err);
  }
}
