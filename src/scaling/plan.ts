import type { ProfileDecision } from './policy';

/**
 * From an observation and a decision to concrete workers: which are dead, which to start (by
 * name), which to drain. Pure and workflow-safe, like the policy.
 */

export interface ObservedWorker {
  name: string;
  profile: string;
  seq: number;
  state: 'starting' | 'running' | 'exited' | 'unhealthy';
  startedAt: number;
  /** Started as warm standby; whether it is still one, the scaler's `activated` list tells. */
  standby?: boolean;
}

export type DeathCause = 'exited' | 'missing heartbeats' | 'not polling';

export interface WorkerHealth {
  /** Live workers per profile, draining ones excluded. */
  live: Map<string, ObservedWorker[]>;
  /** Live standby workers per profile: booted, not polling, not counted as capacity. */
  standby: Map<string, ObservedWorker[]>;
  dead: Array<{ worker: ObservedWorker; cause: DeathCause }>;
}

/** `<swarm>-<profile>-<seq>`: the name is the idempotency key of a start. */
export function workerName(swarmId: string, profile: string, seq: number): string {
  return `${swarmId}-${profile}-${seq}`;
}

/** The poller identity of an agent worker (workers/create.ts: `<identity>/agents`). */
export function pollerIdentity(name: string): string {
  return `${name}/agents`;
}

/**
 * A standby worker is one started as standby, not activated by this scaler and not polling (a
 * polling one was activated by a scaler that has since restarted).
 */
function isStandby(worker: ObservedWorker, activated: ReadonlyMap<string, number>, pollers: ReadonlySet<string>): boolean {
  return worker.standby === true && !activated.has(worker.name) && !pollers.has(pollerIdentity(worker.name));
}

/**
 * Sorts workers into live, standby and dead: exited, unhealthy (its heartbeat file went stale),
 * or up longer than `pollerStaleMs` without appearing among the queue's recent pollers (a standby
 * worker does not poll, so only its heartbeat tells; an activated one is counted from its
 * activation, `activated` mapping its name to that time).
 */
export function workerHealth(workers: readonly ObservedWorker[], pollers: ReadonlySet<string>, draining: ReadonlySet<string>, now: number, pollerStaleMs: number, activated: ReadonlyMap<string, number> = new Map()): WorkerHealth {
  const live = new Map<string, ObservedWorker[]>();
  const standby = new Map<string, ObservedWorker[]>();
  const dead: WorkerHealth['dead'] = [];
  const add = (into: Map<string, ObservedWorker[]>, worker: ObservedWorker) => into.set(worker.profile, [...(into.get(worker.profile) ?? []), worker]);
  for (const worker of workers) {
    if (draining.has(worker.name)) continue;
    if (worker.state === 'exited') dead.push({ worker, cause: 'exited' });
    else if (worker.state === 'unhealthy') dead.push({ worker, cause: 'missing heartbeats' });
    else if (isStandby(worker, activated, pollers)) add(standby, worker);
    else if (now - Math.max(worker.startedAt, activated.get(worker.name) ?? 0) > pollerStaleMs && !pollers.has(pollerIdentity(worker.name))) dead.push({ worker, cause: 'not polling' });
    else add(live, worker);
  }
  return { live, standby, dead };
}

export interface ProfilePlan {
  /** Fresh workers; `standby` ones boot without polling. */
  start: Array<{ name: string; seq: number; standby?: boolean }>;
  /** Standby workers to activate: capacity at the cost of a signal. */
  activate: string[];
  drain: string[];
  nextSeq: number;
}

const newestFirst = (workers: readonly ObservedWorker[]) => [...workers].sort((a, b) => b.seq - a.seq);

/**
 * Workers to activate, start (fresh sequence numbers) or drain (newest first) to reach the
 * decision, keeping `standbyTarget` standby workers: a scale-up activates standby workers first
 * (oldest first) and boots fresh ones for the rest and to refill the standby.
 */
export function planProfile(swarmId: string, decision: ProfileDecision, live: readonly ObservedWorker[], nextSeq: number, standby: readonly ObservedWorker[] = [], standbyTarget = 0): ProfilePlan {
  const start: ProfilePlan['start'] = [];
  let seq = nextSeq;
  const fresh = (asStandby: boolean) => {
    start.push({ name: workerName(swarmId, decision.profile, seq), seq, ...(asStandby ? { standby: true } : {}) });
    seq += 1;
  };
  const needed = Math.max(0, decision.desired - live.length);
  const activate = [...standby].sort((a, b) => a.seq - b.seq).slice(0, needed).map((w) => w.name);
  for (let i = activate.length; i < needed; i += 1) fresh(false);
  const standbyLeft = standby.filter((w) => !activate.includes(w.name));
  for (let i = standbyLeft.length; i < standbyTarget; i += 1) fresh(true);
  const surplus = Math.max(0, live.length - decision.desired);
  const drain = [...newestFirst(live).slice(0, surplus), ...newestFirst(standbyLeft).slice(0, Math.max(0, standbyLeft.length - standbyTarget))].map((w) => w.name);
  return { start, activate, drain, nextSeq: seq };
}
