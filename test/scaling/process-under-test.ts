import fs from 'node:fs';
import type { BackendUnderTest } from './harness';

/** The `process` backend for the scaler's behaviour tests: agent workers as child processes. */
export const processUnderTest: BackendUnderTest = {
  kind: 'process',
  env: () => ({}),
  async kill(worker) {
    process.kill(Number(worker.ref), 'SIGKILL');
  },
  freezers: {
    async SIGSTOP(worker) {
      process.kill(Number(worker.ref), 'SIGSTOP');
    },
  },
  async memoryLimitMb(worker) {
    const args = fs.readFileSync(`/proc/${worker.ref}/cmdline`, 'utf8').split('\0');
    return Number(args.find((a) => a.startsWith('--max-old-space-size='))?.split('=')[1]);
  },
};
