import Docker from 'dockerode';
import { dockerOrFail, ensureWorkerImage } from '../../src/scaling/image';
import type { BackendUnderTest } from '../scaling/harness';
import { progress, TEST_IMAGE } from './test-image';

/**
 * The `docker` backend for the scaler's behaviour tests: agent workers as containers of the worker
 * image (built here like worker-container.test.ts does), host networking to the shared Temporal
 * server. Registers the image build; fails, never skips, without an engine.
 */
export function dockerUnderTest(): BackendUnderTest {
  let docker: Docker;
  let image = '';
  beforeAll(async () => {
    docker = await dockerOrFail(progress);
    image = await ensureWorkerImage(docker, { ...TEST_IMAGE, progress });
  }, 20 * 60_000);
  return {
    kind: 'docker',
    env: () => ({ DREAMOS_WORKER_IMAGE: image }),
    async kill(worker) {
      await docker.getContainer(worker.ref).kill({ signal: 'SIGKILL' });
    },
    freezers: {
      async SIGSTOP(worker) {
        // The worker is PID 1: a signal from the engine (outside its namespace) still stops it.
        await docker.getContainer(worker.ref).kill({ signal: 'SIGSTOP' });
      },
      async 'docker pause'(worker) {
        await docker.getContainer(worker.ref).pause();
      },
    },
    async memoryLimitMb(worker) {
      return (await docker.getContainer(worker.ref).inspect()).HostConfig.Memory! / (1024 * 1024);
    },
  };
}
