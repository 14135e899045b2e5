/**
 * What a batch of newly recorded events adds to the rollup tables. Pure: the store applies the
 * deltas with upserts in the same transaction as the raw rows.
 */
import type { StrategyStatRow } from '../healing/chooser';
import type { ChainSummary, Resolution } from './chains';
import type { FailureEvent } from '../contracts/failure-events';
import { alignDown, HOUR_MS, MINUTE_MS, SPANS } from './metrics';

/** Upper bounds (ms, exclusive) of the time-to-resolution chart's bars; the last bar is open. */
export const TTR_BOUNDS_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000] as const;
export const TTR_LABELS = ['< 1 s', '1–5 s', '5–30 s', '30 s–2 m', '2–10 m', '10 m–1 h', '≥ 1 h'] as const;

/** Stored in place of a missing dimension (rollup keys cannot be NULL). */
export const NONE = '';

/** `ttr_bucket` of chains that are not resolved (no time to resolution). */
export const NO_TTR = -1;

/**
 * The time-to-resolution bucket a resolved chain is counted in: its time rounded down to two
 * significant digits (1234 ms → 1200, 87 ms → 87). Percentiles read from these buckets are
 * within 10% below the exact value, and every chart bound above is a bucket bound.
 */
export function ttrBucket(ms: number | undefined): number {
  if (ms === undefined) return NO_TTR;
  const whole = Math.max(0, Math.floor(ms));
  if (whole < 100) return whole;
  const unit = 10 ** (String(whole).length - 2);
  return Math.floor(whole / unit) * unit;
}

/** Index of the chart bar (in TTR_LABELS) that a bucket falls in. */
export function ttrBar(bucket: number): number {
  const index = TTR_BOUNDS_MS.findIndex((bound) => bucket < bound);
  return index === -1 ? TTR_BOUNDS_MS.length : index;
}

export interface FailureRollupDelta {
  span: number;
  bucket: number;
  failureClass: string;
  kind: string;
  outcome: string;
  count: number;
  tokens: number;
}

/** Minute deltas first, then each coarser span from the one below: each event is keyed once. */
export function failureRollupDeltas(events: readonly FailureEvent[]): FailureRollupDelta[] {
  const minutes = new Map<string, FailureRollupDelta>();
  for (const event of events) {
    const bucket = alignDown(event.at, MINUTE_MS);
    const failureClass = event.failureClass ?? NONE;
    const outcome = event.outcome ?? NONE;
    const key = `${bucket}|${failureClass}|${event.kind}|${outcome}`;
    const known = minutes.get(key);
    if (known) {
      known.count += 1;
      known.tokens += event.tokens ?? 0;
    } else {
      minutes.set(key, { span: MINUTE_MS, bucket, failureClass, kind: event.kind, outcome, count: 1, tokens: event.tokens ?? 0 });
    }
  }
  const levels = [[...minutes.values()]];
  for (const span of SPANS.slice(1)) {
    const coarser = new Map<string, FailureRollupDelta>();
    for (const finer of levels[levels.length - 1]) {
      const bucket = alignDown(finer.bucket, span);
      const key = `${bucket}|${finer.failureClass}|${finer.kind}|${finer.outcome}`;
      const known = coarser.get(key);
      if (known) {
        known.count += finer.count;
        known.tokens += finer.tokens;
      } else {
        coarser.set(key, { ...finer, span, bucket });
      }
    }
    levels.push([...coarser.values()]);
  }
  return levels.flat();
}

/** Heal outcomes of one strategy for one class in one hour (the dashboard's windows). */
export interface StrategyHourDelta {
  hour: number;
  failureClass: string;
  strategy: string;
  attempts: number;
  successes: number;
}

/** All-time heal outcomes of one strategy for one class, role and model: the chooser's stats row. */
export type StrategyTotalDelta = StrategyStatRow;

/** Heal attempts counted per strategy; one whose outcome is `healed` is a success. */
export function strategyDeltas(events: readonly FailureEvent[]): { hourly: StrategyHourDelta[]; totals: StrategyTotalDelta[] } {
  const hourly = new Map<string, StrategyHourDelta>();
  const totals = new Map<string, StrategyTotalDelta>();
  for (const event of events) {
    if (event.kind !== 'heal-attempt' || !event.strategy) continue;
    const success = event.outcome === 'healed' ? 1 : 0;
    const failureClass = event.failureClass ?? NONE;
    const hour = alignDown(event.at, HOUR_MS);
    const hourKey = `${hour}|${failureClass}|${event.strategy}`;
    const inHour = hourly.get(hourKey);
    if (inHour) {
      inHour.attempts += 1;
      inHour.successes += success;
    } else {
      hourly.set(hourKey, { hour, failureClass, strategy: event.strategy, attempts: 1, successes: success });
    }
    const model = event.model ?? NONE;
    const totalKey = `${failureClass}|${event.role}|${model}|${event.strategy}`;
    const total = totals.get(totalKey);
    if (total) {
      total.attempts += 1;
      total.successes += success;
    } else {
      totals.set(totalKey, { failureClass, role: event.role, model, strategy: event.strategy, attempts: 1, successes: success });
    }
  }
  return { hourly: [...hourly.values()], totals: [...totals.values()] };
}

export interface ChainRollupDelta {
  span: number;
  bucket: number;
  resolution: Resolution;
  ttrBucket: number;
  count: number;
}

function contribution(chain: ChainSummary, sign: 1 | -1): ChainRollupDelta[] {
  return SPANS.map((span) => ({
    span,
    bucket: alignDown(chain.firstFailureAt, span),
    resolution: chain.resolution,
    ttrBucket: ttrBucket(chain.timeToResolutionMs),
    count: sign,
  }));
}

/** A chain's summary changed from `before` to `after`: take its old contribution out, put the new one in. */
export function chainRollupDeltas(before: ChainSummary | undefined, after: ChainSummary): ChainRollupDelta[] {
  const changes = [...(before ? contribution(before, -1) : []), ...contribution(after, 1)];
  const merged = new Map<string, ChainRollupDelta>();
  for (const change of changes) {
    const key = `${change.span}|${change.bucket}|${change.resolution}|${change.ttrBucket}`;
    const known = merged.get(key);
    merged.set(key, known ? { ...known, count: known.count + change.count } : change);
  }
  return [...merged.values()].filter((d) => d.count !== 0);
}
