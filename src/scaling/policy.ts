import { z } from 'zod';
import { heaviestFirst, WorkerProfile } from './profiles';

/**
 * The scaling policy: a pure function of the observed load, the live workers and what it decided
 * before. Safe to import from workflow code (no clock, no I/O): time comes in as `now`.
 */

/** The most warm standby workers a profile may keep (the policy field and a live `setLimits` change). */
export const MAX_STANDBY_WORKERS = 100;

export const scalingPolicySchema = z
  .object({
    /** Workers kept even when idle (0 allows idle release down to none). */
    minWorkers: z.number().int().min(0).max(1000),
    /** Never more workers than this. */
    maxWorkers: z.number().int().min(1).max(1000),
    /**
     * Tasks allowed to wait per worker beyond its activity slots. 0: every task waiting for a
     * slot asks for capacity (fast bursts); higher: fewer workers, longer queues.
     */
    targetBacklogPerWorker: z.number().int().min(0).max(10_000),
    /** Workers added at most per decision. */
    maxStepUp: z.number().int().min(1).max(1000),
    /** Workers released at most per decision. */
    maxStepDown: z.number().int().min(1).max(1000),
    /**
     * Hysteresis: a change is made only when demand differs from the current capacity by more
     * than this fraction (HPA's tolerance), so a load hovering at a boundary does not flap.
     */
    tolerance: z.number().min(0).max(1),
    /** Minimum time between two scale-ups, ms. */
    upCooldownMs: z.number().int().min(0),
    /** Minimum time after any change before a scale-down, ms. */
    downCooldownMs: z.number().int().min(0),
    /**
     * Scale-down stabilisation and idle release: workers are released only to the highest count
     * recommended over this window, so capacity goes back only after load stayed low this long.
     */
    idleWindowMs: z.number().int().min(0),
    /**
     * Warm standby: workers kept booted but not polling (no slots, no CPU once started), beyond
     * those the load asks for. A scale-up activates them first, which takes a signal instead of a
     * worker's boot, and boots fresh ones to refill. They cost their memory while they wait.
     * Default 0.
     */
    standbyWorkers: z.number().int().min(0).max(MAX_STANDBY_WORKERS).default(0),
  })
  .strict()
  .refine((p) => p.minWorkers <= p.maxWorkers, { message: 'minWorkers must not exceed maxWorkers', path: ['minWorkers'] });

export type ScalingPolicy = z.output<typeof scalingPolicySchema>;

export const DEFAULT_POLICY: ScalingPolicy = {
  minWorkers: 1,
  maxWorkers: 8,
  targetBacklogPerWorker: 0,
  maxStepUp: 4,
  maxStepDown: 2,
  tolerance: 0.1,
  upCooldownMs: 0,
  downCooldownMs: 30_000,
  idleWindowMs: 120_000,
  standbyWorkers: 0,
};

/** The load of one profile's task queue, as Temporal reports it (approximate). */
export interface QueueLoad {
  /** Approximate activity tasks waiting for a slot. */
  activityBacklog: number;
  /** Approximate workflow tasks waiting. */
  workflowBacklog: number;
  /**
   * Open workflows on the queue (visibility). Each agent task runs at most one model call at a
   * time, so this bounds the activity slots in use: the figure that stays up while tasks run
   * even when the backlog, idle or drained into slots, reports 0.
   */
  openTasks: number;
}

/** What a profile's policy remembers between decisions (carried across continue-as-new). */
export interface ProfileMemory {
  /** Recommendations within the idle window, oldest first. */
  recent: Array<{ at: number; workers: number }>;
  lastUpAt?: number;
  lastChangeAt?: number;
}

export type DecisionReason = 'backlog' | 'tasks-running' | 'load-dropped' | 'idle-release' | 'min-workers' | 'max-workers' | 'steady' | 'within-tolerance' | 'cooldown' | 'stabilising' | 'heavier-first';

export interface ProfileDecision {
  profile: string;
  /** Live workers counted (draining and dead ones excluded). */
  current: number;
  /** Workers the demand alone asks for, clamped to min/max. */
  recommended: number;
  desired: number;
  /** Demand in activity slots. */
  demandSlots: number;
  reason: DecisionReason;
  memory: ProfileMemory;
}

/** Slots of work: tasks waiting for a slot or holding one, whichever signal is larger. */
export function demandSlots(load: QueueLoad): number {
  return Math.max(load.activityBacklog + load.workflowBacklog, load.openTasks);
}

/** Workers the demand asks for, before cooldowns, steps and stabilisation. */
export function recommend(policy: ScalingPolicy, profile: WorkerProfile, load: QueueLoad): number {
  const demand = demandSlots(load);
  const perWorker = profile.slots.activities + policy.targetBacklogPerWorker;
  let workers = Math.ceil(demand / perWorker);
  // Never zero while tasks run or wait, whatever minWorkers says.
  if (demand > 0) workers = Math.max(workers, 1);
  return Math.min(policy.maxWorkers, Math.max(policy.minWorkers, workers));
}

function withinTolerance(policy: ScalingPolicy, profile: WorkerProfile, load: QueueLoad, current: number): boolean {
  if (current === 0) return false;
  const capacity = current * (profile.slots.activities + policy.targetBacklogPerWorker);
  return Math.abs(demandSlots(load) / capacity - 1) <= policy.tolerance;
}

/** One profile's decision. `current` counts live workers only. */
export function decide(policy: ScalingPolicy, profile: WorkerProfile, load: QueueLoad, current: number, memory: ProfileMemory, now: number): ProfileDecision {
  const recommended = recommend(policy, profile, load);
  const recent = [...memory.recent.filter((r) => now - r.at < policy.idleWindowMs), { at: now, workers: recommended }];
  const base = { profile: profile.name, current, recommended, demandSlots: demandSlots(load) };
  const hold = (reason: DecisionReason): ProfileDecision => ({ ...base, desired: current, reason, memory: { ...memory, recent } });
  const change = (desired: number, reason: DecisionReason): ProfileDecision => ({
    ...base,
    desired,
    reason,
    memory: { recent, lastChangeAt: now, lastUpAt: desired > current ? now : memory.lastUpAt },
  });

  if (current < policy.minWorkers) return change(Math.min(policy.minWorkers, current + policy.maxStepUp), 'min-workers');
  if (current > policy.maxWorkers) return change(Math.max(policy.maxWorkers, current - policy.maxStepDown), 'max-workers');
  if (recommended > current) {
    // With no worker at all there is no capacity to be tolerant about.
    if (current > 0 && withinTolerance(policy, profile, load, current)) return hold('within-tolerance');
    if (memory.lastUpAt !== undefined && now - memory.lastUpAt < policy.upCooldownMs) return hold('cooldown');
    return change(Math.min(recommended, current + policy.maxStepUp), base.demandSlots > current ? 'backlog' : 'tasks-running');
  }
  if (recommended < current) {
    const stabilised = Math.max(...recent.map((r) => r.workers));
    if (stabilised >= current) return hold('stabilising');
    if (memory.lastChangeAt !== undefined && now - memory.lastChangeAt < policy.downCooldownMs) return hold('cooldown');
    if (withinTolerance(policy, profile, load, current) && base.demandSlots > 0) return hold('within-tolerance');
    return change(Math.max(stabilised, current - policy.maxStepDown), base.demandSlots === 0 ? 'idle-release' : 'load-dropped');
  }
  return hold('steady');
}

export interface ProfileInput {
  profile: WorkerProfile;
  policy: ScalingPolicy;
  load: QueueLoad;
  current: number;
  memory: ProfileMemory;
}

/**
 * Every profile's decision. Profiles are sized separately, but when load drops only the
 * heaviest profile that wants to shrink does so in one decision: big workers go back first.
 */
export function decideAll(inputs: readonly ProfileInput[], now: number): ProfileDecision[] {
  const decisions = new Map(inputs.map((i) => [i.profile.name, decide(i.policy, i.profile, i.load, i.current, i.memory, now)]));
  let shrinking = false;
  for (const profile of heaviestFirst(inputs.map((i) => i.profile))) {
    const decision = decisions.get(profile.name)!;
    if (decision.desired >= decision.current) continue;
    // Only scale-downs the load allows wait; min/max corrections always apply.
    if (shrinking && decision.reason !== 'max-workers') {
      const input = inputs.find((i) => i.profile.name === profile.name)!;
      decisions.set(profile.name, { ...decision, desired: decision.current, reason: 'heavier-first', memory: { ...input.memory, recent: decision.memory.recent } });
    }
    shrinking = true;
  }
  return inputs.map((i) => decisions.get(i.profile.name)!);
}
