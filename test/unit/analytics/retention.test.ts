import Database from 'better-sqlite3';
import { chainIdOf } from '../../../src/contracts/failure-events';
import { DEFAULT_RETENTION } from '../../../src/analytics/store';
import { DAY, event, HOUR, MINUTE, T0, useStores } from './helpers';

const stores = useStores();

/** Row counts of every table, read through a second connection. */
function rows(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return Object.fromEntries(['failure_events', 'failure_rollup', 'strategy_rollup', 'strategy_totals', 'chains', 'chain_rollup'].map((t) => [t, count(t)]));
  } finally {
    db.close();
  }
}

/** A resolved chain per hour over `days`, starting at `from`. */
function hourlyChains(from: number, days: number) {
  return Array.from({ length: days * 24 }, (_, h) => {
    const at = from + h * HOUR;
    const chainId = chainIdOf(`wf-${from}-${h}`, 0, 0);
    return [
      event({ at, chainId, failureClass: 'model-timeout', kind: 'activity-failure', tokens: 10 }),
      event({ at: at + 1_000, chainId, kind: 'heal-attempt', strategy: 'fallback-model', outcome: 'healed', failureClass: 'model-timeout' }),
      event({ at: at + 3_000, chainId, kind: 'resolved', outcome: 'resolved' }),
    ];
  }).flat();
}

describe('retention: compaction keeps the figures and bounds the store', () => {
  test('old raw events go, their counts stay in the rollups', () => {
    const store = stores.open();
    store.record(hourlyChains(T0 - 10 * DAY, 10));
    const before = { tally: store.tally({ since: T0 - 10 * DAY, until: T0 }), resolution: store.resolution({ since: T0 - 10 * DAY, until: T0 }) };

    const result = store.compact({}, T0);

    expect(result.deleted.events).toBe(3 * 3 * 24);
    expect(result.watermark).toBe(T0 - DEFAULT_RETENTION.rawEventsMs);
    expect(store.rawEventCount()).toBe(3 * 7 * 24);
    expect({ tally: store.tally({ since: T0 - 10 * DAY, until: T0 }), resolution: store.resolution({ since: T0 - 10 * DAY, until: T0 }) }).toEqual(before);
    expect(store.strategyStats()).toEqual([{ failureClass: 'model-timeout', role: 'researcher', model: 'gpt-4o-mini', strategy: 'fallback-model', attempts: 240, successes: 240 }]);
  });

  test('events older than the watermark are refused: they might be duplicates of compacted ones', () => {
    const store = stores.open();
    const old = event({ at: T0 - 8 * DAY });
    store.record([old]);
    store.compact({}, T0);
    expect(store.record([old])).toEqual({ recorded: 0, duplicates: 0, tooOld: 1 });
    expect(store.tally({ since: 0 }).failures).toBe(1);
  });

  test('once minute rollups are gone, a window reaching back that far starts at its ten minutes', () => {
    const store = stores.open();
    store.record([event({ at: T0 - 3 * DAY + 32 * MINUTE }), event({ at: T0 - 3 * DAY + 50 * MINUTE })]);
    expect(store.tally({ since: T0 - 3 * DAY + 35 * MINUTE, until: T0 }).failures).toBe(1);
    store.compact({}, T0);
    expect(store.tally({ since: T0 - 3 * DAY + 35 * MINUTE, until: T0 }).failures).toBe(2);
    expect(store.tally({ since: T0 - 4 * DAY, until: T0 }).failures).toBe(2);
  });

  test('once ten-minute rollups are gone too, such a window starts at its hour', () => {
    const store = stores.open();
    store.record([event({ at: T0 - 20 * DAY + 10 * MINUTE }), event({ at: T0 - 20 * DAY + 50 * MINUTE })]);
    expect(store.tally({ since: T0 - 20 * DAY + 30 * MINUTE, until: T0 }).failures).toBe(1);
    store.compact({}, T0);
    expect(store.tally({ since: T0 - 20 * DAY + 30 * MINUTE, until: T0 }).failures).toBe(2);
  });

  test('hour rollups and chain summaries older than their retention are deleted', () => {
    const store = stores.open();
    store.record(hourlyChains(T0 - 100 * DAY, 1));
    store.compact({}, T0);
    const left = rows(store.file);
    expect(left).toMatchObject({ failure_events: 0, failure_rollup: 0, strategy_rollup: 0, chains: 0, chain_rollup: 0 });
    expect(left.strategy_totals).toBe(1);
  });

  test('a month of steady traffic with daily compaction stays the size of one retention window', () => {
    const store = stores.open();
    const sizes: Record<string, number>[] = [];
    for (let day = 0; day < 30; day += 1) {
      const dayStart = T0 + day * DAY;
      store.record(hourlyChains(dayStart, 1));
      store.compact({ rawEventsMs: 2 * DAY, minuteRollupsMs: DAY, tenMinuteRollupsMs: 2 * DAY, hourRollupsMs: 5 * DAY, chainsMs: 2 * DAY }, dayStart + DAY);
      sizes.push(rows(store.file));
    }
    expect(sizes[29]).toEqual(sizes[10]);
    expect(sizes[29].failure_events).toBe(2 * 24 * 3);
  });

  test('scheduleCompaction compacts at once and stops when asked', () => {
    const store = stores.open();
    store.record([event({ at: Date.now() - 30 * DAY })]);
    const stop = store.scheduleCompaction({ everyMs: HOUR });
    stop();
    expect(store.rawEventCount()).toBe(0);
  });
});

describe('retention: the indexes keep dashboard queries off full scans', () => {
  test.each([
    ['recent failures', true, "SELECT e.*, c.resolution FROM failure_events e INDEXED BY failure_events_at LEFT JOIN chains c ON c.chain_id = e.chain_id WHERE e.kind IN ('activity-failure') AND e.at >= 0 ORDER BY e.at DESC, e.id DESC LIMIT 15"],
    ['events of a chain', true, "SELECT * FROM failure_events INDEXED BY failure_events_at WHERE at >= 0 AND at <= 5 AND chain_id = 'c' ORDER BY at, id"],
    ['compaction of raw events', true, 'SELECT id FROM failure_events WHERE at < 5 LIMIT 10'],
    ['chains in a window', true, 'SELECT * FROM chains WHERE first_failure_at >= 0 AND first_failure_at < 5 ORDER BY first_failure_at LIMIT 5'],
    ['stale chains', true, 'SELECT chain_id FROM chains WHERE first_failure_at < 5 AND last_at < 5 LIMIT 5'],
    ['rollup ranges', true, 'SELECT SUM(count) FROM failure_rollup WHERE span = 60000 AND bucket >= 0 AND bucket < 5'],
  ])('%s: an index', (_name, ordered, sql) => {
    const store = stores.open();
    store.close();
    const db = new Database(store.file, { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan).not.toMatch(/SCAN (e|failure_events|chains|failure_rollup)\b(?! USING)/);
      if (ordered) expect(plan).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    } finally {
      db.close();
    }
  });
});
