import { scalingBehaviours } from './behaviours';

/** The scaler on the `process` backend: agent workers as child processes (where no engine runs). */
describe('scaler on the process backend', () => {
  scalingBehaviours({
    kind: 'process',
    env: () => ({}),
    async kill(worker) {
      process.kill(Number(worker.ref), 'SIGKILL');
    },
  });
});
