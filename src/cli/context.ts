import { Client } from '@temporalio/client';
import { DreamConfig, loadConfig } from '../config';
import { connectClient } from '../temporal/connection';

/** Where client commands connect: TEMPORAL_ADDRESS, else the embedded server's port. */
export function clientAddress(config: DreamConfig): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.port}`;
}

export async function clientFromEnv(): Promise<{ client: Client; config: DreamConfig }> {
  const config = loadConfig();
  const client = await connectClient(clientAddress(config), config.temporal.namespace);
  return { client, config };
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
