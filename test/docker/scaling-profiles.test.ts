import { profileBehaviours } from '../scaling/profile-behaviours';
import { dockerUnderTest } from './docker-under-test';

describe('scaler on the docker backend: worker profiles', () => {
  profileBehaviours(dockerUnderTest());
});
