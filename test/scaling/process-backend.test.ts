import { scalingBehaviours } from './behaviours';
import { processUnderTest } from './process-under-test';

/** The scaler on the `process` backend: agent workers as child processes (where no engine runs). */
describe('scaler on the process backend', () => {
  scalingBehaviours(processUnderTest);
});
