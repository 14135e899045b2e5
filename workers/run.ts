import { Worker } from '@temporalio/worker';
import { TaskQueueRole } from '../src/contracts/task-queues';
import { ManagedWorker, WORKER_FACTORIES, WorkerDeps } from './create';

export interface RunningWorkers {
  workers: Worker[];
  /** The failure dashboard, when a nexus worker serves it. */
  dashboardUrl?: string;
  /** Resolves when every worker has stopped and released its resources; rejects if one failed. */
  done: Promise<void>;
  /** Stops polling, lets running tasks finish (grace time), then resolves with `done`. */
  shutdown(): Promise<void>;
}

async function runToEnd(managed: ManagedWorker): Promise<void> {
  try {
    await managed.worker.run();
  } finally {
    await managed.close();
  }
}

export interface RunOptions {
  /**
   * Warm standby: the workers are created (connected, bundle loaded) but poll only once this
   * resolves `run`; on `stop` they are released without ever polling.
   */
  hold?: Promise<'run' | 'stop'>;
}

/** Creates and runs one worker per role; if one cannot be created, those already created are released. */
export async function runWorkers(roles: TaskQueueRole[], deps: WorkerDeps, options: RunOptions = {}): Promise<RunningWorkers> {
  const created: ManagedWorker[] = [];
  try {
    // The nexus worker first: it is the one that can fail on its own resources (files, port).
    const ordered = [...roles].sort((a, b) => Number(b === 'nexus') - Number(a === 'nexus'));
    for (const role of ordered) created.push(await WORKER_FACTORIES[role](deps));
  } catch (err) {
    await Promise.all(created.map((m) => m.close()));
    throw err;
  }
  const workers = created.map((m) => m.worker);
  const hold = options.hold ?? Promise.resolve('run' as const);
  const done = Promise.all(created.map(async (m) => ((await hold) === 'run' ? runToEnd(m) : m.close()))).then(() => undefined);
  return {
    workers,
    dashboardUrl: created.find((m) => m.dashboardUrl)?.dashboardUrl,
    done,
    async shutdown() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await done;
    },
  };
}
