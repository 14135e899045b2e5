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
}

export type DeathCause = 'exited' | 'missing heartbeats' | 'not polling';

export interface WorkerHealth {
  /** Live workers per profile, draining ones excluded. */
  live: Map<string, ObservedWorker[]>;
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
 * Sorts workers into live and dead: exited, unhealthy (its heartbeat file went stale), or up
 * longer than `pollerStaleMs` without appearing among the queue's recent pollers.
 */
export function workerHealth(workers: readonly ObservedWorker[], pollers: ReadonlySet<string>, draining: ReadonlySet<string>, now: number, pollerStaleMs: number): WorkerHealth {
  const live = new Map<string, ObservedWorker[]>();
  const dead: WorkerHealth['dead'] = [];
  for (const worker of workers) {
    if (draining.has(worker.name)) continue;
    if (worker.state === 'exited') dead.push({ worker, cause: 'exited' });
    else if (worker.state === 'unhealthy') dead.push({ worker, cause: 'missing heartbeats' });
    else if (now - worker.startedAt > pollerStaleMs && !pollers.has(pollerIdentity(worker.name))) dead.push({ worker, cause: 'not polling' });
    else live.set(worker.profile, [...(live.get(worker.profile) ?? []), worker]);
  }
  return { live, dead };
}

export interface ProfilePlan {
  start: Array<{ name: string; seq: number }>;
  drain: string[];
  nextSeq: number;
}

/** Workers to start (fresh sequence numbers) or drain (newest first) to reach the decision. */
export function planProfile(swarmId: string, decision: ProfileDecision, live: readonly ObservedWorker[], nextSeq: number): ProfilePlan {
  const start: ProfilePlan['start'] = [];
  let seq = nextSeq;
  for (let i = live.length; i < decision.desired; i += 1) {
    start.push({ name: workerName(swarmId, decision.profile, seq), seq });
    seq += 1;
  }
  const surplus = Math.max(0, live.length - decision.desired);
  const drain = [...live].sort((a, b) => b.seq - a.seq).slice(0, surplus).map((w) => w.name);
  return { start, drain, nextSeq: seq };
}
