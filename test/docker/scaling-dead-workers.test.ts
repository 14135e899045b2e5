import { deadWorkerBehaviours } from '../scaling/dead-worker-behaviours';
import { dockerUnderTest } from './docker-under-test';

describe('scaler on the docker backend: workers dead without exiting', () => {
  deadWorkerBehaviours(dockerUnderTest());
});
