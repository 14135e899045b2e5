/**
 * Figures computed from query results: pure functions, unit-tested with tables. The store
 * answers with rollup rows; these turn them into what the dashboard and the CLI show.
 */
import { EventKind, FAILURE_KINDS, isFailureKind, Outcome } from '../contracts/failure-events';
import { categoryOf, FailureCategory, FailureClass } from '../contracts/failure-taxonomy';

export const MINUTE_MS = 60_000;
export const TEN_MINUTES_MS = 600_000;
export const HOUR_MS = 3_600_000;

/** The rollup resolutions, finest first; each divides the next. */
export const SPANS = [MINUTE_MS, TEN_MINUTES_MS, HOUR_MS] as const;

/** Event counts of one (class, kind, outcome) combination over some time range. */
export interface TallyRow {
  failureClass: FailureClass | null;
  kind: EventKind;
  outcome: Outcome | null;
  count: number;
  tokens: number;
}

export interface ClassCount {
  failureClass: FailureClass;
  category: FailureCategory;
  count: number;
}

export interface Tally {
  /** Events of every kind. */
  events: number;
  /** Events of the failure kinds (activity, validation, workflow failures). */
  failures: number;
  byKind: Record<EventKind, number>;
  /** Failures by class, most frequent first; failures without a class count as `unknown`. */
  byClass: ClassCount[];
  byCategory: Record<FailureCategory, number>;
  healAttempts: number;
  healed: number;
  heartbeatTimeouts: number;
  tokens: number;
}

const zeroKinds = (): Record<EventKind, number> => ({
  'activity-failure': 0,
  'validation-failure': 0,
  'heal-attempt': 0,
  rollback: 0,
  escalation: 0,
  'workflow-failure': 0,
  resolved: 0,
  abandoned: 0,
  'hand-off': 0,
});

const zeroCategories = (): Record<FailureCategory, number> => ({ 'model-transport': 0, 'model-output': 0, infrastructure: 0, logic: 0 });

export function tally(rows: readonly TallyRow[]): Tally {
  const byKind = zeroKinds();
  const byCategory = zeroCategories();
  const classes = new Map<FailureClass, number>();
  let healed = 0;
  let tokens = 0;
  for (const row of rows) {
    byKind[row.kind] += row.count;
    tokens += row.tokens;
    if (row.kind === 'heal-attempt' && row.outcome === 'healed') healed += row.count;
    if (!isFailureKind(row.kind)) continue;
    const failureClass = row.failureClass ?? 'unknown';
    classes.set(failureClass, (classes.get(failureClass) ?? 0) + row.count);
    byCategory[categoryOf(failureClass)] += row.count;
  }
  const byClass = [...classes.entries()]
    .map(([failureClass, count]) => ({ failureClass, category: categoryOf(failureClass), count }))
    .sort((a, b) => b.count - a.count || a.failureClass.localeCompare(b.failureClass));
  const failures = FAILURE_KINDS.reduce((sum, kind) => sum + byKind[kind], 0);
  return {
    events: Object.values(byKind).reduce((a, b) => a + b, 0),
    failures,
    byKind,
    byClass,
    byCategory,
    healAttempts: byKind['heal-attempt'],
    healed,
    heartbeatTimeouts: classes.get('heartbeat-timeout') ?? 0,
    tokens,
  };
}

/** Failure count of one class in one time bucket (bucket = start, ms). */
export interface FrequencyRow {
  bucket: number;
  failureClass: FailureClass | null;
  count: number;
}

export interface FrequencySeries {
  bucketMs: number;
  /** Start of each bucket (ms), ascending, contiguous. */
  buckets: number[];
  /** One series per class seen, most frequent first; `counts[i]` belongs to `buckets[i]`. */
  series: { failureClass: FailureClass; category: FailureCategory; counts: number[] }[];
}

export function alignDown(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/** Dense per-class series over [from, until), with empty buckets as zeros. */
export function frequencySeries(rows: readonly FrequencyRow[], range: { from: number; until: number; bucketMs: number }): FrequencySeries {
  const first = alignDown(range.from, range.bucketMs);
  const buckets: number[] = [];
  for (let b = first; b < range.until; b += range.bucketMs) buckets.push(b);
  const byClass = new Map<FailureClass, number[]>();
  for (const row of rows) {
    const index = (alignDown(row.bucket, range.bucketMs) - first) / range.bucketMs;
    if (index < 0 || index >= buckets.length) continue;
    const failureClass = row.failureClass ?? 'unknown';
    const counts = byClass.get(failureClass) ?? buckets.map(() => 0);
    counts[index] += row.count;
    byClass.set(failureClass, counts);
  }
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const series = [...byClass.entries()]
    .map(([failureClass, counts]) => ({ failureClass, category: categoryOf(failureClass), counts }))
    .sort((a, b) => total(b.counts) - total(a.counts) || a.failureClass.localeCompare(b.failureClass));
  return { bucketMs: range.bucketMs, buckets, series };
}

const BUCKET_CHOICES = [MINUTE_MS, 5 * MINUTE_MS, TEN_MINUTES_MS, HOUR_MS, 6 * HOUR_MS, 24 * HOUR_MS];

/**
 * The finest bucket that keeps a window to at most `maxBuckets` bars: 1 h in minutes, 6 h in
 * ten minutes, 24 h in hours, 7 d in 6-hour bars (each read from the matching rollup).
 */
export function bucketFor(windowMs: number, maxBuckets = 60): number {
  return BUCKET_CHOICES.find((b) => windowMs / b <= maxBuckets) ?? BUCKET_CHOICES[BUCKET_CHOICES.length - 1];
}

/** Failures per minute over a sliding window. */
export function errorRatePerMinute(failures: number, windowMs: number): number {
  return windowMs <= 0 ? 0 : failures / (windowMs / MINUTE_MS);
}

/** Heal attempts and successes of one strategy for one (class, role, model). */
export interface StrategyStatRow {
  failureClass: FailureClass | null;
  role: string;
  model: string | null;
  strategy: string;
  attempts: number;
  /** Heal attempts whose outcome was `healed`. */
  successes: number;
}

/** Heal attempts and successes of one strategy for one class over a window (the dashboard's chart). */
export interface StrategyRateRow {
  failureClass: FailureClass | null;
  strategy: string;
  attempts: number;
  successes: number;
}

export function successRate(row: Pick<StrategyStatRow, 'attempts' | 'successes'>): number | null {
  return row.attempts === 0 ? null : row.successes / row.attempts;
}

/** A time range read from one rollup resolution. */
export interface RangePart {
  span: number;
  from: number;
  until: number;
}

/**
 * Splits [from, until) (whole minutes) into reads of the coarsest rollups that fit: minutes up
 * to the first ten-minute boundary, ten-minute buckets up to the first hour, hours for the body,
 * then back down at the end. Long windows read few rows yet stay exact to the minute.
 */
export function rangeParts(from: number, until: number, level = 0): RangePart[] {
  const span = SPANS[level];
  if (level === SPANS.length - 1) return from < until ? [{ span, from, until }] : [];
  const next = SPANS[level + 1];
  const innerFrom = Math.ceil(from / next) * next;
  const innerUntil = alignDown(until, next);
  if (innerFrom >= innerUntil) return from < until ? [{ span, from, until }] : [];
  return [
    ...(from < innerFrom ? [{ span, from, until: innerFrom }] : []),
    ...rangeParts(innerFrom, innerUntil, level + 1),
    ...(innerUntil < until ? [{ span, from: innerUntil, until }] : []),
  ];
}
