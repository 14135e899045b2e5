import { Client } from '@temporalio/client';
import { DreamConfig, loadConfig } from '../config';
import { connectClient, temporalTarget } from '../temporal/connection';

/** Where client commands connect: TEMPORAL_ADDRESS, else the embedded server's port. */
export function clientAddress(config: DreamConfig): string {
  return temporalTarget(config).address;
}

export async function clientFromEnv(): Promise<{ client: Client; config: DreamConfig }> {
  const config = loadConfig();
  const client = await connectClient(temporalTarget(config));
  return { client, config };
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs a client command: connects from the environment, and closes the connection however it ends. */
export async function withClient<T>(run: (client: Client, config: DreamConfig) => Promise<T>): Promise<T> {
  const { client, config } = await clientFromEnv();
  try {
    return await run(client, config);
  } finally {
    await client.connection.close();
  }
}
