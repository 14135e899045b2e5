import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DreamError, errorMessage } from '../errors';

function unreachable(address: string, err: unknown): DreamError {
  return new DreamError(
    'TEMPORAL_UNREACHABLE',
    `Cannot reach the Temporal server at ${address}: ${errorMessage(err)}`,
    'Start it with `npm start` (embedded dev server) or `dreamos up`, or set TEMPORAL_ADDRESS to a running server.',
    { cause: err },
  );
}

/** A client connection that fails fast, with a DreamError, when the server is not there. */
export async function connectClient(address: string, namespace: string, timeoutMs = 5_000): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    throw unreachable(address, err);
  }
  return new Client({ connection, namespace });
}

/** The worker-side connection (Rust core), with the same error when unreachable. */
export async function connectWorker(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (err) {
    throw unreachable(address, err);
  }
}
