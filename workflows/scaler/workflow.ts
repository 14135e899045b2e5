import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ScalingActivities } from '../../activities/scaling';
import type { ScalingEventActivities } from '../../activities/scaling-events';
import { limitsError, planTick, statusOf } from './tick';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { invalidWorkflowInput } from '../../src/contracts/failure-types';
import {
  drainWorkerSignal,
  INVALID_SCALING_REQUEST,
  ScalerCarried,
  ScalerConfig,
  scalerWorkflowInputSchema,
  ScalerStatus,
  scalerStateQuery,
  ScalerWorkflowInput,
  setLimitsUpdate,
} from '../../src/contracts/scaler';

/** Observing and starting are quick; the control worker owns the Docker socket. */
const { observeSwarm, reconcileWorkers } = proxyActivities<ScalingActivities>({
  taskQueue: TASK_QUEUES.control,
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: [INVALID_SCALING_REQUEST] },
});

/** Events go to the nexus worker, the single writer of the swarm's SQLite files. */
const { recordScalingEvents } = proxyActivities<ScalingEventActivities>({
  taskQueue: TASK_QUEUES.nexus,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidScalingEvents'] },
});

const where = (path: PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : '(input)');

/** The input, checked at the boundary: any client may start the scaler. A bad one fails the run at once. */
function validated(input: unknown): ScalerConfig {
  const parsed = scalerWorkflowInputSchema.safeParse(input);
  if (parsed.success) return parsed.data.config;
  const issues = parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`);
  throw invalidWorkflowInput(
    `scaler input is invalid: ${issues.join('; ')}. Fix: start it with {"config": {"swarmId", "profiles": [{"profile", "policy"}]}} (see \`dreamos swarm start --help\` and src/contracts/scaler.ts).`,
    { issues },
  );
}

function initial(config: ScalerConfig): ScalerCarried {
  return {
    tick: 0,
    nextSeq: 1,
    memory: {},
    limits: Object.fromEntries(config.profiles.map(({ profile, policy }) => [profile.name, { minWorkers: policy.minWorkers, maxWorkers: policy.maxWorkers }])),
    known: [],
  };
}

/**
 * Sizes a swarm's agent workers, per profile: every interval it observes the queues and the
 * workers, lets the pure policy decide, replaces dead workers, starts new ones and drains
 * surplus ones (in the background: a drain waits for running activities). Long-running;
 * continues as new, carrying its memory, limits and sequence.
 */
export async function scaler(input: ScalerWorkflowInput): Promise<void> {
  const config = validated(input);
  let state = input.carried ?? initial(config);
  const draining = new Map<string, Promise<void>>();
  const pending: Array<Promise<unknown>> = [];
  const drainRequests: string[] = [];
  let status: ScalerStatus = { swarmId: config.swarmId, tick: state.tick, limits: state.limits, decisions: [], observations: {}, workers: [] };
  let wake = false;

  const { drainWorker } = proxyActivities<ScalingActivities>({
    taskQueue: TASK_QUEUES.control,
    // The worker finishes its running model calls first; the activity heartbeats while it waits.
    startToCloseTimeout: `${config.shutdownGraceSeconds + 60}s`,
    heartbeatTimeout: '20s',
    retry: { initialInterval: '1s', maximumInterval: '10s' },
  });
  const drain = (name: string) => {
    if (draining.has(name)) return;
    draining.set(
      name,
      drainWorker({ name, graceSeconds: config.shutdownGraceSeconds })
        // A drain that keeps failing leaves the worker to the next observation (dead, or drained again).
        .catch((err: unknown) => log.warn('drain failed', { name, error: String(err) }))
        .finally(() => draining.delete(name)),
    );
  };

  setHandler(scalerStateQuery, () => status);
  setHandler(
    setLimitsUpdate,
    (change) => {
      for (const name of Object.keys(state.limits)) {
        if (change.profile !== undefined && change.profile !== name) continue;
        const standbyWorkers = change.standbyWorkers ?? state.limits[name].standbyWorkers;
        state.limits[name] = { minWorkers: change.minWorkers ?? state.limits[name].minWorkers, maxWorkers: change.maxWorkers ?? state.limits[name].maxWorkers, ...(standbyWorkers !== undefined ? { standbyWorkers } : {}) };
      }
      wake = true;
      return state.limits;
    },
    {
      validator: (change) => {
        const error = limitsError(change, state.limits);
        if (error) throw new Error(error);
      },
    },
  );
  setHandler(drainWorkerSignal, (name) => {
    drainRequests.push(name);
    wake = true;
  });

  for (let ticks = 1; ; ticks += 1) {
    const observed = await observeSwarm({ swarmId: config.swarmId, profiles: config.profiles.map((p) => p.profile), pollerStaleMs: config.pollerStaleMs });
    for (const name of drainRequests.splice(0)) if (observed.workers.some((w) => w.name === name)) drain(name);
    // The first run's id stays across continue-as-new and differs for a restarted scaler.
    const plan = planTick(config, state, observed, new Set(draining.keys()), Date.now(), workflowInfo().firstExecutionRunId);
    plan.drain.forEach(drain);
    if (plan.remove.length > 0 || plan.activate.length > 0 || plan.start.length > 0) {
      await reconcileWorkers({ swarmId: config.swarmId, remove: plan.remove, ...(plan.activate.length > 0 ? { activate: plan.activate } : {}), start: plan.start, shutdownGraceSeconds: config.shutdownGraceSeconds });
    }
    // Scaling goes on while the nexus worker is away; a write that cannot land in time is dropped.
    pending.push(recordScalingEvents({ events: plan.events }).catch((err: unknown) => log.warn('scaling events not recorded', { tick: state.tick, error: String(err) })));
    state = { ...plan.next, limits: state.limits };
    status = statusOf(config, state, plan.decisions, observed, new Set(draining.keys()));

    if (ticks >= config.ticksPerRun || workflowInfo().continueAsNewSuggested) {
      // Drains and event writes are activities of this run: they finish before the next begins.
      await Promise.all([...draining.values(), ...pending]);
      await condition(allHandlersFinished);
      await continueAsNew<typeof scaler>({ config: input.config, carried: state });
    }
    wake = false;
    await condition(() => wake, config.intervalMs);
    // Settled event writes need no tracking; keep the list short over a long run.
    if (pending.length > 50) await Promise.all(pending.splice(0));
  }
}
