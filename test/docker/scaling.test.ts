import Docker from 'dockerode';
import { dockerOrFail, ensureWorkerImage } from '../../src/scaling/image';
import { scalingBehaviours } from '../scaling/behaviours';
import { progress, TEST_IMAGE } from './test-image';

/**
 * The scaler on the `docker` backend: agent workers as containers of the worker image (built
 * here like worker-container.test.ts does), host networking to the shared Temporal server.
 */
let docker: Docker;
let image = '';

beforeAll(async () => {
  docker = await dockerOrFail(progress);
  image = await ensureWorkerImage(docker, { ...TEST_IMAGE, progress });
}, 20 * 60_000);

describe('scaler on the docker backend', () => {
  scalingBehaviours({
    kind: 'docker',
    env: () => ({ DREAMOS_WORKER_IMAGE: image }),
    async kill(worker) {
      await docker.getContainer(worker.ref).kill({ signal: 'SIGKILL' });
    },
  });
});
