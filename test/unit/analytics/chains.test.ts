import { foldChain, percentileOfBuckets, resolutionFigures, summarizeChains } from '../../../src/analytics/chains';
import { chainIdOf, FailureEvent } from '../../../src/contracts/failure-events';
import { TTR_LABELS, ttrBar, ttrBucket } from '../../../src/analytics/rollup';
import { event, MINUTE, SECOND, T0, useStores } from './helpers';

const stores = useStores();

/** failure → heal attempt (fails) → rollback → resolved, `ttr` after the first failure. */
function healedAfterRollback(workflowId: string, ttr: number): FailureEvent[] {
  const chainId = chainIdOf(workflowId, 0, 0);
  const base = { workflowId, chainId };
  return [
    event({ ...base, at: T0, kind: 'validation-failure', failureClass: 'schema-violation', outcome: 'retrying' }),
    event({ ...base, at: T0 + 100, kind: 'heal-attempt', strategy: 'reask', failureClass: 'schema-violation', outcome: 'retrying' }),
    event({ ...base, at: T0 + 200, kind: 'validation-failure', failureClass: 'schema-violation', attempt: 2, outcome: 'retrying' }),
    event({ ...base, at: T0 + 300, kind: 'rollback', strategy: 'rollback', outcome: 'rolled-back' }),
    event({ ...base, at: T0 + ttr, kind: 'resolved', outcome: 'resolved', attempt: 3 }),
  ];
}

describe('chains: each failure chain is linked and summarised', () => {
  test('a resolved chain: counts, strategies in order, time to resolution from the first failure', () => {
    const [summary] = summarizeChains(healedAfterRollback('wf-a', 4_200));
    expect(summary).toMatchObject({
      failureClass: 'schema-violation',
      resolution: 'resolved',
      firstFailureAt: T0,
      closedAt: T0 + 4_200,
      timeToResolutionMs: 4_200,
      strategies: ['reask', 'rollback'],
      failures: 2,
      healAttempts: 1,
      rollbacks: 1,
      escalations: 0,
    });
  });

  test('an abandoned chain has no time to resolution', () => {
    const chainId = chainIdOf('wf-b', 1, 0);
    const [summary] = summarizeChains([
      event({ chainId, at: T0, kind: 'activity-failure', failureClass: 'model-unreachable' }),
      event({ chainId, at: T0 + MINUTE, kind: 'escalation', failureClass: 'escalation', outcome: 'escalated' }),
      event({ chainId, at: T0 + 2 * MINUTE, kind: 'abandoned', outcome: 'abandoned' }),
    ]);
    expect(summary).toMatchObject({ resolution: 'abandoned', escalations: 1, failureClass: 'model-unreachable', closedAt: T0 + 2 * MINUTE });
    expect(summary.timeToResolutionMs).toBeUndefined();
  });

  test('a chain without a terminal event stays open', () => {
    const [summary] = summarizeChains([event({ kind: 'activity-failure', failureClass: 'model-timeout' })]);
    expect(summary.resolution).toBe('open');
  });

  test('the summary does not depend on the order events arrive in', () => {
    const events = healedAfterRollback('wf-c', 9_000);
    const forward = events.reduce<ReturnType<typeof foldChain> | undefined>(foldChain, undefined);
    const backward = [...events].reverse().reduce<ReturnType<typeof foldChain> | undefined>(foldChain, undefined);
    expect({ ...backward, strategies: [...(backward?.strategies ?? [])].sort() }).toEqual({ ...forward, strategies: [...(forward?.strategies ?? [])].sort() });
  });

  test('the store links events that arrive in separate batches', () => {
    const store = stores.open();
    const events = healedAfterRollback('wf-d', 12_345);
    store.record(events.slice(0, 2));
    expect(store.chain(events[0].chainId)?.resolution).toBe('open');
    store.record(events.slice(2));
    expect(store.chain(events[0].chainId)).toMatchObject({ resolution: 'resolved', timeToResolutionMs: 12_345, failures: 2, rollbacks: 1 });
    expect(store.resolution({ since: T0 - MINUTE })).toMatchObject({ open: 0, resolved: 1, abandoned: 0 });
  });
});

describe('chains: resolution rate and time to resolution come from what happened', () => {
  function seed() {
    const store = stores.open();
    const ttrs = [800, 1_500, 2_500, 4_000, 7_000, 12_000, 30_000, 65_000];
    ttrs.forEach((ttr, i) => store.record(healedAfterRollback(`wf-r${i}`, ttr)));
    const abandoned = chainIdOf('wf-x', 0, 0);
    store.record([event({ chainId: abandoned, workflowId: 'wf-x' }), event({ chainId: abandoned, workflowId: 'wf-x', kind: 'abandoned', outcome: 'abandoned', at: T0 + SECOND })]);
    store.record([event({ chainId: chainIdOf('wf-open', 0, 0), workflowId: 'wf-open' })]);
    return { store, ttrs };
  }

  test('counts, rate, percentiles and histogram', () => {
    const { store } = seed();
    const report = store.resolution({ since: T0 - MINUTE });
    expect(report).toMatchObject({ resolved: 8, abandoned: 1, open: 1, rate: 8 / 9 });
    // Nearest rank: p50 is the 4th of 8 (4 000 ms), p95 the 8th (65 000 ms).
    expect(report.p50Ms).toBe(4_000);
    expect(report.p95Ms).toBe(65_000);
    expect(Object.fromEntries(report.histogram.map((h) => [h.label, h.count]))).toEqual({
      '< 1 s': 1,
      '1–5 s': 3,
      '5–30 s': 2,
      '30 s–2 m': 2,
      '2–10 m': 0,
      '10 m–1 h': 0,
      '≥ 1 h': 0,
    });
  });

  test('the store agrees with the figures computed from the chain summaries', () => {
    const { store } = seed();
    const { histogram: _histogram, ...figures } = store.resolution({ since: 0 });
    expect(figures).toEqual(resolutionFigures(store.chains({ since: 0 })));
  });

  test('a window only counts chains whose first failure falls in it', () => {
    const { store } = seed();
    store.record(healedAfterRollback('wf-late', 1_000).map((e) => ({ ...e, at: e.at + 2 * 3_600_000 })));
    expect(store.resolution({ since: T0 + 3_600_000 })).toMatchObject({ resolved: 1, abandoned: 0, open: 0 });
  });

  test('no closed chain yet: the rate and percentiles are null, not zero', () => {
    const store = stores.open();
    store.record([event()]);
    expect(store.resolution({ since: 0 })).toMatchObject({ rate: null, p50Ms: null, p95Ms: null, open: 1 });
  });
});

describe('chains: time-to-resolution buckets', () => {
  test.each([
    [0, 0],
    [87, 87],
    [1_234, 1_200],
    [4_999, 4_900],
    [65_432, 65_000],
    [3_599_999, 3_500_000],
  ])('%d ms is counted as %d ms', (ms, bucket) => {
    expect(ttrBucket(ms)).toBe(bucket);
  });

  test('every chart bound is a bucket bound, so bars are exact', () => {
    expect(TTR_LABELS[ttrBar(ttrBucket(999))]).toBe('< 1 s');
    expect(TTR_LABELS[ttrBar(ttrBucket(1_000))]).toBe('1–5 s');
    expect(TTR_LABELS[ttrBar(ttrBucket(3_600_000))]).toBe('≥ 1 h');
  });

  test('percentiles of buckets use the nearest rank', () => {
    const buckets = [
      { value: 100, count: 5 },
      { value: 200, count: 4 },
      { value: 900, count: 1 },
    ];
    expect(percentileOfBuckets(buckets, 50)).toBe(100);
    expect(percentileOfBuckets(buckets, 90)).toBe(200);
    expect(percentileOfBuckets(buckets, 95)).toBe(900);
    expect(percentileOfBuckets([], 50)).toBeNull();
  });
});
