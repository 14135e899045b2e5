import fs from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../../src/temporal/cli-binary';
import { freePort, startDevServer } from '../../src/temporal/dev-server';
import { bundleWorkflows } from '../../scripts/bundle-workflows';
import { bundleFile } from '../../workers/paths';
import { ARTIFACTS, TestEnvFile, TEST_ENV_VAR } from './paths';

/**
 * Once per `npm test`: one real Temporal dev server (with Web UI, project search attributes)
 * and one workflow bundle built from the current sources, shared by every test file.
 */
export default async function globalSetup(): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const cliPath = resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, toolsDir: path.resolve('.dreamos', 'tools') });
  const bundleDir = await bundleWorkflows(path.join(ARTIFACTS, 'workflow-bundles'));
  const bundlePath = bundleFile(bundleDir, 'agents');
  const port = await freePort();
  const uiPort = await freePort();
  const server = await startDevServer({ binary: cliPath, port, uiPort, logFile: path.join(ARTIFACTS, 'temporal-shared.log') });
  const env: TestEnvFile = { address: server.address, uiUrl: server.uiUrl!, cliPath, bundleDir, bundlePath, serverPid: server.pid };
  // Jest's test processes inherit this process's environment; a file would be shared by concurrent runs.
  process.env[TEST_ENV_VAR] = JSON.stringify(env);
  fs.writeFileSync(path.join(ARTIFACTS, `test-env-${process.pid}.json`), JSON.stringify(env, null, 2));
  (globalThis as { __dreamServer?: typeof server }).__dreamServer = server;
}
