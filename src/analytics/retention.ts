/**
 * Retention: what `FailureStore.compact` keeps, so a long run does not grow the store without
 * bound. Every layer is deleted only once a coarser one holds its figures: raw events → minute
 * rollups → ten-minute rollups → hour rollups; chain summaries → chain rollups; hourly strategy counts → all-time
 * strategy totals (a small table, kept).
 */
import type Database from 'better-sqlite3';
import { HOUR_MS, MINUTE_MS, TEN_MINUTES_MS } from './metrics';

const DAY_MS = 24 * HOUR_MS;

export interface RetentionPolicy {
  /**
   * Raw events: drill-down, the recent-failures table, duplicate detection. Events older than
   * this are refused by `record` afterwards (they could no longer be recognised as duplicates).
   * Default 7 days.
   */
  rawEventsMs: number;
  /** Minute rollups: windows exact to the minute. Older windows start at ten minutes. Default 2 days. */
  minuteRollupsMs: number;
  /** Ten-minute rollups. Older windows start at the hour. Default 14 days. */
  tenMinuteRollupsMs: number;
  /** Hour rollups: charts and reports over long windows, windowed strategy stats. Default 90 days. */
  hourRollupsMs: number;
  /** Chain summaries untouched for this long (never less than `rawEventsMs`). Default 7 days. */
  chainsMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  rawEventsMs: 7 * DAY_MS,
  minuteRollupsMs: 2 * DAY_MS,
  tenMinuteRollupsMs: 14 * DAY_MS,
  hourRollupsMs: 90 * DAY_MS,
  chainsMs: 7 * DAY_MS,
};

/** analytics_meta key: events before this time are refused (their raw rows may be gone). */
export const WATERMARK_KEY = 'compacted_before';
/** analytics_meta key: minute rollups before this time were deleted. */
export const MINUTE_FLOOR_KEY = 'minute_rollups_before';
/** analytics_meta key: ten-minute rollups before this time were deleted. */
export const TEN_MINUTE_FLOOR_KEY = 'ten_minute_rollups_before';

export interface CompactResult {
  /** Rows deleted per layer. */
  deleted: { events: number; minuteRollups: number; tenMinuteRollups: number; hourRollups: number; chains: number };
  /** Events before this time are now refused by `record`. */
  watermark: number;
}

/** Rows deleted per transaction, so the worker's writes are never blocked for long. */
const CHUNK = 20_000;

function deleteInChunks(db: Database.Database, sql: string, ...params: number[]): number {
  const statement = db.prepare(sql);
  let deleted = 0;
  let changes: number;
  do {
    changes = statement.run(...params).changes;
    deleted += changes;
  } while (changes > 0);
  return deleted;
}

/** Applies the policy at time `now`; each chunk is its own transaction. */
export function compactStore(db: Database.Database, policy: RetentionPolicy, now: number): CompactResult {
  const meta = db.prepare('SELECT value FROM analytics_meta WHERE key = ?').pluck();
  const setMeta = db.prepare('INSERT INTO analytics_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)');
  const watermark = Math.max((meta.get(WATERMARK_KEY) as number | undefined) ?? 0, now - policy.rawEventsMs);
  const minuteFloor = Math.floor((now - policy.minuteRollupsMs) / HOUR_MS) * HOUR_MS;
  const tenMinuteFloor = Math.floor((now - Math.max(policy.tenMinuteRollupsMs, policy.minuteRollupsMs)) / HOUR_MS) * HOUR_MS;
  const hourFloor = Math.floor((now - policy.hourRollupsMs) / HOUR_MS) * HOUR_MS;
  const chainFloor = now - Math.max(policy.chainsMs, policy.rawEventsMs);
  // The floors are written first: a reader then widens to hours before the minute rows go.
  setMeta.run(WATERMARK_KEY, watermark);
  setMeta.run(MINUTE_FLOOR_KEY, minuteFloor);
  setMeta.run(TEN_MINUTE_FLOOR_KEY, tenMinuteFloor);

  const events = deleteInChunks(db, `DELETE FROM failure_events WHERE id IN (SELECT id FROM failure_events WHERE at < ? LIMIT ${CHUNK})`, watermark);
  // Rollup tables are small next to the raw events and keyed by (span, bucket): one statement each.
  const run = (sql: string, before: number) => db.prepare(sql).run(before).changes;
  const minuteRollups =
    run(`DELETE FROM failure_rollup WHERE span = ${MINUTE_MS} AND bucket < ?`, minuteFloor) +
    run(`DELETE FROM chain_rollup WHERE span = ${MINUTE_MS} AND bucket < ?`, minuteFloor);
  const tenMinuteRollups =
    run(`DELETE FROM failure_rollup WHERE span = ${TEN_MINUTES_MS} AND bucket < ?`, tenMinuteFloor) +
    run(`DELETE FROM chain_rollup WHERE span = ${TEN_MINUTES_MS} AND bucket < ?`, tenMinuteFloor);
  const hourRollups =
    run(`DELETE FROM failure_rollup WHERE span = ${HOUR_MS} AND bucket < ?`, hourFloor) +
    run(`DELETE FROM chain_rollup WHERE span = ${HOUR_MS} AND bucket < ?`, hourFloor) +
    run('DELETE FROM strategy_rollup WHERE hour < ?', hourFloor);
  // last_at < floor implies first_failure_at < floor: the first condition lets the index narrow the scan.
  const chains = deleteInChunks(db, `DELETE FROM chains WHERE chain_id IN (SELECT chain_id FROM chains WHERE first_failure_at < ? AND last_at < ? LIMIT ${CHUNK})`, chainFloor, chainFloor);
  db.pragma('optimize');
  return { deleted: { events, minuteRollups, tenMinuteRollups, hourRollups, chains }, watermark };
}
