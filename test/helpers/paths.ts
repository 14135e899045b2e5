import path from 'node:path';

/** Test outputs (logs, screenshots, bundles); git-ignored, kept by CI as artifacts. */
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
export const TEST_ENV_FILE = path.join(ARTIFACTS, 'test-env.json');

export interface TestEnvFile {
  address: string;
  uiUrl: string;
  cliPath: string;
  bundlePath: string;
  serverPid: number;
}
