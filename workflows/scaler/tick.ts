import type { ObserveResult, ReconcileInput } from '../../activities/scaling';
import type { QueueObservation, ScalerCarried, ScalerConfig, ScalerStatus } from '../../src/contracts/scaler';
import type { ScalingEvent } from '../../src/scaling/events';
import { decideAll, MAX_STANDBY_WORKERS, ProfileDecision } from '../../src/scaling/policy';
import { planProfile, workerHealth } from '../../src/scaling/plan';

/** What one tick does, decided from one observation: plain data the workflow loop acts on. */
export interface TickPlan {
  decisions: ProfileDecision[];
  /** Dead workers to remove, standby workers to activate, workers to start (all through reconcileWorkers). */
  remove: string[];
  activate: string[];
  start: ReconcileInput['start'];
  /** Surplus workers to drain in the background. */
  drain: string[];
  events: ScalingEvent[];
  /** The carried state after this tick. */
  next: ScalerCarried;
}

/**
 * Sorts workers into live and dead, lets the policy decide per profile (dead workers count, so
 * they are replaced one for one), and names the workers to start and drain. Pure.
 */
export function planTick(config: ScalerConfig, state: ScalerCarried, observed: ObserveResult, draining: ReadonlySet<string>, now: number, eventKey: string): TickPlan {
  const known = new Set(state.known);
  // A restarted scaler (or host) continues the sequence past every worker it finds.
  let nextSeq = Math.max(state.nextSeq, ...observed.workers.map((w) => w.seq + 1));
  const pollers = new Set(Object.values(observed.queues).flatMap((q) => q.pollers));
  const activated = new Map(Object.entries(state.activated ?? {}));
  const health = workerHealth(observed.workers, pollers, draining, observed.at, config.pollerStaleMs, activated);
  const deadOf = (profile: string) => health.dead.filter((d) => d.worker.profile === profile);
  // Each profile's policy with the live limits `dreamos swarm scale` set.
  const policies = config.profiles.map(({ profile, policy }) => ({ ...policy, ...state.limits[profile.name] }));
  const decisions = decideAll(
    config.profiles.map(({ profile }, i) => ({
      profile,
      policy: policies[i],
      load: observed.queues[profile.name],
      current: (health.live.get(profile.name)?.length ?? 0) + deadOf(profile.name).length,
      memory: state.memory[profile.name] ?? { recent: [] },
    })),
    now,
  );
  const plan: TickPlan = { decisions, remove: health.dead.map((d) => d.worker.name), activate: [], start: [], drain: [], events: [], next: { ...state, memory: { ...state.memory } } };
  for (const [i, decision] of decisions.entries()) {
    const { profile } = config.profiles[i];
    const policy = policies[i];
    const live = health.live.get(profile.name) ?? [];
    const standby = health.standby.get(profile.name) ?? [];
    // A standby beyond the maximum could never be activated: keep only those with room above the desired count.
    const room = Math.max(0, policy.maxWorkers - decision.desired);
    const standbyTarget = Math.min(policy.standbyWorkers, room);
    const profilePlan = planProfile(config.swarmId, decision, live, nextSeq, standby, standbyTarget);
    nextSeq = profilePlan.nextSeq;
    plan.next.memory[profile.name] = decision.memory;
    plan.start.push(...profilePlan.start.map((w) => ({ ...w, profile })));
    plan.activate.push(...profilePlan.activate);
    plan.drain.push(...profilePlan.drain);
    plan.events.push({
      ...loadOf(observed.queues[profile.name]),
      key: `${eventKey}#${state.tick}#${profile.name}`,
      at: now,
      swarmId: config.swarmId,
      profile: profile.name,
      queue: profile.taskQueue,
      current: decision.current,
      desired: decision.desired,
      // The plan activates, starts and drains exactly what reaches the desired and standby counts.
      actual: decision.desired,
      standby: standbyTarget,
      reason: decision.reason,
      started: profilePlan.start.map((w) => w.name),
      activated: profilePlan.activate,
      drained: profilePlan.drain,
      dead: deadOf(profile.name).map((d) => `${d.worker.name} (${d.cause})`),
      adopted: observed.workers.filter((w) => w.profile === profile.name && !known.has(w.name)).map((w) => w.name),
    });
  }
  const seen = [...observed.workers.map((w) => w.name), ...plan.start.map((w) => w.name)];
  const present = new Set(observed.workers.map((w) => w.name));
  plan.next = {
    ...plan.next,
    tick: state.tick + 1,
    nextSeq,
    known: [...new Set(seen)].filter((n) => !plan.remove.includes(n)),
    activated: Object.fromEntries([...[...activated].filter(([n]) => present.has(n) && !plan.remove.includes(n)), ...plan.activate.map((n) => [n, now] as const)]),
  };
  return plan;
}

function loadOf(q: QueueObservation) {
  return {
    activityBacklog: q.activityBacklog,
    workflowBacklog: q.workflowBacklog,
    openTasks: q.openTasks,
    backlogAgeMs: q.backlogAgeMs,
    addRate: q.addRate,
    dispatchRate: q.dispatchRate,
    pollers: q.pollers.length,
  };
}

/** The `scalerState` query's answer after a tick. */
export function statusOf(config: ScalerConfig, state: ScalerCarried, decisions: ProfileDecision[], observed: ObserveResult, draining: ReadonlySet<string>): ScalerStatus {
  return {
    swarmId: config.swarmId,
    tick: state.tick,
    limits: state.limits,
    decisions,
    observations: observed.queues,
    workers: observed.workers.map((w) => ({ name: w.name, profile: w.profile, state: w.state, draining: draining.has(w.name), standby: w.standby && !(w.name in (state.activated ?? {})) })),
  };
}

/** The largest value of each live limit (0..0 is allowed: `dreamos swarm drain` with no worker named). */
const LIMIT_MAXIMA = [['standbyWorkers', MAX_STANDBY_WORKERS], ['minWorkers', 1000], ['maxWorkers', 1000]] as const;

/** Why a `setLimits` change is refused (the update's validator), or undefined when it is valid. */
export function limitsError(change: { profile?: string; minWorkers?: number; maxWorkers?: number; standbyWorkers?: number }, limits: ScalerCarried['limits']): string | undefined {
  if (change.profile !== undefined && !(change.profile in limits)) return `profile: no profile ${change.profile}; known: ${Object.keys(limits).join(', ')}`;
  for (const [field, max] of LIMIT_MAXIMA) {
    const value = change[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) return `${field}: must be an integer from 0 to ${max}`;
  }
  for (const name of change.profile ? [change.profile] : Object.keys(limits)) {
    const min = change.minWorkers ?? limits[name].minWorkers;
    const max = change.maxWorkers ?? limits[name].maxWorkers;
    if (min > max) return `minWorkers: ${min} exceeds maxWorkers ${max} for profile ${name}`;
  }
  return undefined;
}
