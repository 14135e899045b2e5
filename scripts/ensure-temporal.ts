import path from 'node:path';
import { loadConfig } from '../src/config';
import { isDreamError } from '../src/errors';
import { resolveTemporalCli } from '../src/temporal/cli-binary';

/** Finds or installs the Temporal CLI and prints where it is. Part of `npm start` / `npm test` set-up. */
try {
  const config = loadConfig();
  const binary = resolveTemporalCli({
    explicitPath: config.temporal.cliPath,
    toolsDir: path.join(config.home, 'tools'),
    onProgress: (line) => console.log(`[setup] ${line}`),
  });
  console.log(`[setup] Temporal CLI: ${binary}`);
} catch (err) {
  if (!isDreamError(err)) throw err;
  console.error(`[setup] error: ${err.describe()}`);
  process.exit(1);
}
