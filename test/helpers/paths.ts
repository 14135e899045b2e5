import path from 'node:path';

/** Test outputs (logs, screenshots, bundles); git-ignored, kept by CI as artifacts. */
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
/** Environment variable through which global setup hands the shared server to the tests. */
export const TEST_ENV_VAR = 'DREAMOS_TEST_ENV';

export interface TestEnvFile {
  address: string;
  uiUrl: string;
  cliPath: string;
  /** The workflow bundles (one per workflow-running queue) built from the current sources. */
  bundleDir: string;
  /** The agents queue's bundle in it (agentTask). */
  bundlePath: string;
  serverPid: number;
}
