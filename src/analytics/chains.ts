/**
 * Failure chains: the events sharing a `chainId` (failure → retries → heal → rollback →
 * escalation → resolved or abandoned). Pure: the store folds each new event into the chain's
 * summary, so the figures survive compaction of the raw events.
 */
import { FailureEvent, isFailureKind } from '../contracts/failure-events';
import { ttrBucket } from './rollup';
import type { FailureClass } from '../contracts/failure-taxonomy';

export type Resolution = 'open' | 'resolved' | 'abandoned';

export interface ChainSummary {
  chainId: string;
  missionId: string;
  workflowId: string;
  runId: string;
  role: string;
  model?: string;
  /** Class of the chain's first failure. */
  failureClass?: FailureClass;
  /** Time of the chain's earliest event. */
  firstAt: number;
  /** Time of the first failure (of the first event if no failure was seen). */
  firstFailureAt: number;
  lastAt: number;
  resolution: Resolution;
  /** Time of the terminal event that decided the resolution. */
  closedAt?: number;
  /** closedAt − firstFailureAt, for resolved chains. */
  timeToResolutionMs?: number;
  /** Distinct strategies tried, in order of first use. */
  strategies: string[];
  failures: number;
  healAttempts: number;
  rollbacks: number;
  escalations: number;
}

function terminalOf(event: FailureEvent): Exclude<Resolution, 'open'> | undefined {
  if (event.kind === 'resolved' || event.outcome === 'resolved') return 'resolved';
  if (event.kind === 'abandoned' || event.outcome === 'abandoned') return 'abandoned';
  return undefined;
}

function started(event: FailureEvent): ChainSummary {
  return {
    chainId: event.chainId,
    missionId: event.missionId,
    workflowId: event.workflowId,
    runId: event.runId,
    role: event.role,
    model: event.model,
    failureClass: undefined,
    firstAt: event.at,
    firstFailureAt: event.at,
    lastAt: event.at,
    resolution: 'open',
    strategies: [],
    failures: 0,
    healAttempts: 0,
    rollbacks: 0,
    escalations: 0,
  };
}

/** Adds one event to `next` in place (`next` is a copy the caller owns). */
function apply(next: ChainSummary, event: FailureEvent): void {
  next.firstAt = Math.min(next.firstAt, event.at);
  next.lastAt = Math.max(next.lastAt, event.at);
  next.model ??= event.model;
  if (isFailureKind(event.kind)) {
    const earliest = next.failures === 0 || event.at < next.firstFailureAt;
    if (earliest) {
      next.firstFailureAt = event.at;
      next.failureClass = event.failureClass ?? next.failureClass;
      next.runId = event.runId;
    }
    next.failures += 1;
  } else if (next.failures === 0) {
    next.firstFailureAt = Math.min(next.firstFailureAt, event.at);
    next.failureClass ??= event.failureClass;
  }
  if (event.kind === 'heal-attempt') next.healAttempts += 1;
  if (event.kind === 'rollback') next.rollbacks += 1;
  if (event.kind === 'escalation') next.escalations += 1;
  if (event.strategy && !next.strategies.includes(event.strategy)) next.strategies.push(event.strategy);
  const terminal = terminalOf(event);
  if (terminal && (next.closedAt === undefined || event.at >= next.closedAt)) {
    next.resolution = terminal;
    next.closedAt = event.at;
  }
  next.timeToResolutionMs = next.resolution === 'resolved' && next.closedAt !== undefined ? Math.max(0, next.closedAt - next.firstFailureAt) : undefined;
}

const copy = (summary: ChainSummary): ChainSummary => ({ ...summary, strategies: [...summary.strategies] });

/**
 * Adds one event to a chain's summary. Order-independent for the figures: the first failure is
 * the earliest one, and of several terminal events the latest decides the resolution.
 */
export function foldChain(summary: ChainSummary | undefined, event: FailureEvent): ChainSummary {
  const next = summary ? copy(summary) : started(event);
  apply(next, event);
  return next;
}

/** `events.reduce(foldChain, summary)`, copying the summary once instead of once per event. */
export function foldChainEvents(summary: ChainSummary | undefined, events: readonly FailureEvent[]): ChainSummary | undefined {
  let next = summary ? copy(summary) : undefined;
  for (const event of events) {
    next ??= started(event);
    apply(next, event);
  }
  return next;
}

/** Summaries of every chain in a list of events. */
export function summarizeChains(events: readonly FailureEvent[]): ChainSummary[] {
  const chains = new Map<string, ChainSummary>();
  for (const event of events) chains.set(event.chainId, foldChain(chains.get(event.chainId), event));
  return [...chains.values()];
}

export interface ResolutionFigures {
  resolved: number;
  abandoned: number;
  open: number;
  /** resolved / (resolved + abandoned); null before any chain closed. */
  rate: number | null;
  /** Time-to-resolution percentiles of resolved chains (ms, rounded down to two significant digits); null without any. */
  p50Ms: number | null;
  p95Ms: number | null;
}

/** The 1-based nearest rank of percentile `p` among `n` values (for SQL OFFSET queries). */
export function percentileRank(n: number, p: number): number {
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
}

/** Nearest-rank percentile of bucketed values (`value` ascending): the value of the bucket holding the rank. */
export function percentileOfBuckets(buckets: readonly { value: number; count: number }[], p: number): number | null {
  const n = buckets.reduce((sum, b) => sum + b.count, 0);
  if (n === 0) return null;
  const rank = percentileRank(n, p);
  let seen = 0;
  for (const bucket of buckets) {
    seen += bucket.count;
    if (seen >= rank) return bucket.value;
  }
  return buckets[buckets.length - 1].value;
}

export function resolutionRate(resolved: number, abandoned: number): number | null {
  return resolved + abandoned === 0 ? null : resolved / (resolved + abandoned);
}

/** The store's figures computed from chain summaries directly (percentiles bucketed the same way). */
export function resolutionFigures(chains: readonly ChainSummary[]): ResolutionFigures {
  const count = (r: Resolution) => chains.filter((c) => c.resolution === r).length;
  const buckets = new Map<number, number>();
  for (const chain of chains) {
    if (chain.resolution !== 'resolved' || chain.timeToResolutionMs === undefined) continue;
    const value = ttrBucket(chain.timeToResolutionMs);
    buckets.set(value, (buckets.get(value) ?? 0) + 1);
  }
  const sorted = [...buckets.entries()].map(([value, n]) => ({ value, count: n })).sort((a, b) => a.value - b.value);
  const resolved = count('resolved');
  const abandoned = count('abandoned');
  return { resolved, abandoned, open: count('open'), rate: resolutionRate(resolved, abandoned), p50Ms: percentileOfBuckets(sorted, 50), p95Ms: percentileOfBuckets(sorted, 95) };
}
