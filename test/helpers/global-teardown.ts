import type { DevServer } from '../../src/temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __dreamServer?: DevServer }).__dreamServer;
  if (server) await server.stop();
}
