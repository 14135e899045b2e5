import { Worker } from '@temporalio/worker';
import { TaskQueueRole } from '../src/temporal/task-queues';
import { WORKER_FACTORIES, WorkerDeps } from './create';

export interface RunningWorkers {
  workers: Worker[];
  /** Resolves when every worker has stopped; rejects if one failed. */
  done: Promise<void>;
  /** Stops polling, lets running tasks finish (grace time), then resolves with `done`. */
  shutdown(): Promise<void>;
}

/** Creates and runs one worker per role. */
export async function runWorkers(roles: TaskQueueRole[], deps: WorkerDeps): Promise<RunningWorkers> {
  const workers = await Promise.all(roles.map((role) => WORKER_FACTORIES[role](deps)));
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  return {
    workers,
    done,
    async shutdown() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await done;
    },
  };
}
