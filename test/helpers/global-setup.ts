import fs from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../../src/temporal/cli-binary';
import { freePort, startDevServer } from '../../src/temporal/dev-server';
import { bundleWorkflows } from '../../scripts/bundle-workflows';
import { ARTIFACTS, TestEnvFile, TEST_ENV_FILE } from './paths';

/**
 * Once per `npm test`: one real Temporal dev server (with Web UI, project search attributes)
 * and one workflow bundle built from the current sources, shared by every test file.
 */
export default async function globalSetup(): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const cliPath = resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, toolsDir: path.resolve('.dreamos', 'tools') });
  const bundlePath = await bundleWorkflows(path.join(ARTIFACTS, 'workflow-bundle.js'));
  const port = await freePort();
  const uiPort = await freePort();
  const server = await startDevServer({ binary: cliPath, port, uiPort, logFile: path.join(ARTIFACTS, 'temporal-shared.log') });
  const env: TestEnvFile = { address: server.address, uiUrl: server.uiUrl!, cliPath, bundlePath, serverPid: server.pid };
  fs.writeFileSync(TEST_ENV_FILE, JSON.stringify(env, null, 2));
  (globalThis as { __dreamServer?: typeof server }).__dreamServer = server;
}
