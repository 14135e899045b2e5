import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { DreamConfig } from '../src/config';
import type { WorkerBackend, WorkerInfo } from '../src/scaling/backend';
import type { WorkerProfile } from '../src/scaling/profiles';
import { INVALID_SCALING_REQUEST, QueueObservation } from '../src/contracts/scaler';
import { describeTaskQueue, protoMs } from '../src/temporal/task-queue';


/**
 * Model and connection settings a worker needs, forwarded from the control worker's environment
 * (never via history). TLS files must exist at the same paths where the worker runs.
 */
const FORWARDED_ENV = /^(DREAMOS_MODEL|DREAMOS_SIM_|OPENAI_API_KEY$|DREAMOS_LOG_LEVEL$|DREAMOS_WORKFLOW_BUNDLES$|TEMPORAL_TLS|TEMPORAL_API_KEY$)/;

export interface ScalingActivityDeps {
  backend: WorkerBackend;
  client: Client;
  namespace: string;
  config: DreamConfig;
  /** Environment for started workers. Default: the model settings of this process's environment. */
  workerEnv?: Record<string, string>;
}

export interface ObserveInput {
  swarmId: string;
  profiles: Array<Pick<WorkerProfile, 'name' | 'taskQueue'>>;
  pollerStaleMs: number;
}

export interface ObserveResult {
  /** Worker clock when observed (the workflow compares worker start times with it). */
  at: number;
  queues: Record<string, QueueObservation>;
  workers: WorkerInfo[];
}

export interface ReconcileInput {
  swarmId: string;
  /** Dead workers to remove first. */
  remove: string[];
  /** Standby workers to activate (signalled before any start: they are the quick capacity). */
  activate?: string[];
  /** Workers to start, named by the workflow: a retried activity finds them and starts nothing. */
  start: Array<{ name: string; seq: number; profile: WorkerProfile; standby?: boolean }>;
  shutdownGraceSeconds: number;
}


/** The environment the scaler gives the workers it starts on `kind`: the forwarded model and connection settings. */
export function forwardedEnv(kind: WorkerBackend['kind']): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // A container has its own bundle path inside the image.
    if (value !== undefined && FORWARDED_ENV.test(key) && !(kind === 'docker' && key === 'DREAMOS_WORKFLOW_BUNDLES')) env[key] = value;
  }
  return env;
}

/** The scaler's edges: observe the queues and workers, start and remove workers, drain one. */
export const createScalingActivities = (deps: ScalingActivityDeps) => {
  const { backend, client, namespace } = deps;
  const temporalAddress = deps.config.temporal.address ?? `127.0.0.1:${deps.config.temporal.port}`;
  const env = deps.workerEnv ?? forwardedEnv(backend.kind);

  async function observeQueue(taskQueue: string, pollerStaleMs: number, now: number): Promise<QueueObservation> {
    const [workflows, activities, open] = await Promise.all([
      describeTaskQueue(client, namespace, taskQueue, 'workflow'),
      describeTaskQueue(client, namespace, taskQueue, 'activity'),
      client.workflow.count(`TaskQueue="${taskQueue}" AND ExecutionStatus="Running"`),
    ]);
    const fresh = [...(workflows.pollers ?? []), ...(activities.pollers ?? [])].filter((p) => now - protoMs(p.lastAccessTime) < pollerStaleMs);
    return {
      activityBacklog: Number(activities.stats?.approximateBacklogCount ?? 0),
      workflowBacklog: Number(workflows.stats?.approximateBacklogCount ?? 0),
      openTasks: open.count,
      backlogAgeMs: Math.max(protoMs(activities.stats?.approximateBacklogAge), protoMs(workflows.stats?.approximateBacklogAge)),
      addRate: (activities.stats?.tasksAddRate ?? 0) + (workflows.stats?.tasksAddRate ?? 0),
      dispatchRate: (activities.stats?.tasksDispatchRate ?? 0) + (workflows.stats?.tasksDispatchRate ?? 0),
      pollers: [...new Set(fresh.map((p) => p.identity ?? '').filter(Boolean))].sort(),
    };
  }

  return {
    /** DescribeTaskQueue with stats for each profile's queue, open tasks, and the swarm's workers by label. */
    async observeSwarm(input: ObserveInput): Promise<ObserveResult> {
      const at = Date.now();
      const observed = await Promise.all(input.profiles.map(async (p) => [p.name, await observeQueue(p.taskQueue, input.pollerStaleMs, at)] as const));
      return { at, queues: Object.fromEntries(observed), workers: await backend.list(input.swarmId) };
    },

    /** Removes dead workers, then starts the named ones. Idempotent: names are the keys. */
    async reconcileWorkers(input: ReconcileInput): Promise<{ started: string[]; activated: string[]; removed: string[] }> {
      const outside = [...(input.activate ?? []), ...input.start.map((w) => w.name)].find((name) => !name.startsWith(`${input.swarmId}-`));
      if (outside) throw ApplicationFailure.nonRetryable(`Worker name ${outside} is outside swarm ${input.swarmId}.`, INVALID_SCALING_REQUEST);
      for (const name of input.activate ?? []) await backend.activate(name);
      for (const name of input.remove) await backend.remove(name);
      const started: string[] = [];
      for (const w of input.start) {
        await backend.start({ name: w.name, seq: w.seq, swarmId: input.swarmId, profile: w.profile, temporalAddress, namespace, env, shutdownGraceSeconds: input.shutdownGraceSeconds, standby: w.standby });
        started.push(w.name);
      }
      return { started, activated: input.activate ?? [], removed: input.remove };
    },

    /** SIGTERM, wait while the worker finishes its running activities, remove it. Heartbeats while it waits. */
    async drainWorker(input: { name: string; graceSeconds: number }): Promise<void> {
      const context = Context.current();
      await backend.drain(input.name, input.graceSeconds, () => context.heartbeat());
    },
  };
};

export type ScalingActivities = ReturnType<typeof createScalingActivities>;
