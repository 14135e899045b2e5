import { deadWorkerBehaviours } from './dead-worker-behaviours';
import { processUnderTest } from './process-under-test';

describe('scaler on the process backend: workers dead without exiting', () => {
  deadWorkerBehaviours(processUnderTest);
});
