import { profileBehaviours } from './profile-behaviours';
import { processUnderTest } from './process-under-test';

describe('scaler on the process backend: worker profiles', () => {
  profileBehaviours(processUnderTest);
});
