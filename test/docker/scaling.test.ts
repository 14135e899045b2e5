import { scalingBehaviours } from '../scaling/behaviours';
import { dockerUnderTest } from './docker-under-test';

describe('scaler on the docker backend', () => {
  scalingBehaviours(dockerUnderTest());
});
