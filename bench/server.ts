import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { resolveTemporalCli } from '../src/temporal/cli-binary';
import { DevServer, freePort, startDevServer } from '../src/temporal/dev-server';
import { bundleCode } from '../scripts/bundle-workflows';

/**
 * A private dev server (in-memory, headless) plus connections, for one benchmark group: configured
 * as the embedded server is (DEV_SERVER_DYNAMIC_CONFIG), or with `stock` as `temporal server start-dev` comes.
 */
export interface BenchServer {
  server: DevServer;
  client: Client;
  connection: NativeConnection;
  close(): Promise<void>;
}

export async function startBenchServer(options: { stock?: boolean } = {}): Promise<BenchServer> {
  const config = loadConfig();
  const binary = resolveTemporalCli({ explicitPath: config.temporal.cliPath, toolsDir: path.join(config.home, 'tools') });
  const server = await startDevServer({ binary, port: await freePort(), logFile: path.join(os.tmpdir(), `dreamos-bench-${process.pid}.log`), ...(options.stock ? { dynamicConfig: {} } : {}) });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const connection = await NativeConnection.connect({ address: server.address });
  return {
    server,
    client,
    connection,
    async close() {
      await client.connection.close();
      await connection.close();
      await server.stop();
    },
  };
}

/**
 * The bench's workflows (agentTask and the bare baseline, with the pure modules preloaded as the
 * workers' bundles have them), or with `bareOnly` the bare baseline alone in its bundle.
 */
export async function benchBundle(options: { bareOnly?: boolean } = {}): Promise<string> {
  // From the TypeScript sources, as the workers' bundles are: the preloaded modules are sources too,
  // and a compiled copy of the healer beside them would be evaluated again at every start.
  const source = (name: string) => path.resolve(__dirname, '..', '..', 'bench', `${name}.ts`);
  return options.bareOnly ? bundleCode(source('bare-step')) : bundleCode(source('workflows'), { preload: true });
}
