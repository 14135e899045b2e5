import { createAnalyticsActivities } from '../../../activities/analytics';
import { SwarmHealthProbe } from '../../../src/analytics/health';
import { bucketFor, errorRatePerMinute, frequencySeries, rangeParts, successRate, tally } from '../../../src/analytics/metrics';
import { buildSummary } from '../../../src/analytics/report';
import { chooseStrategy } from '../../../src/healing/chooser';
import { event, HOUR, MINUTE, T0, useStores } from './helpers';

const stores = useStores();

describe('metrics: pure figures', () => {
  test('tally counts failures, heal outcomes, heartbeat timeouts and tokens', () => {
    const t = tally([
      { failureClass: 'malformed-json', kind: 'validation-failure', outcome: 'retrying', count: 3, tokens: 300 },
      { failureClass: 'heartbeat-timeout', kind: 'activity-failure', outcome: 'retrying', count: 2, tokens: 0 },
      { failureClass: 'malformed-json', kind: 'heal-attempt', outcome: 'healed', count: 2, tokens: 50 },
      { failureClass: 'malformed-json', kind: 'heal-attempt', outcome: 'retrying', count: 1, tokens: 25 },
      { failureClass: null, kind: 'resolved', outcome: 'resolved', count: 2, tokens: 0 },
    ]);
    expect(t).toMatchObject({ events: 10, failures: 5, healAttempts: 3, healed: 2, heartbeatTimeouts: 2, tokens: 375 });
  });

  test('frequency series are dense: empty buckets are zeros', () => {
    const series = frequencySeries(
      [
        { bucket: T0, failureClass: 'model-timeout', count: 2 },
        { bucket: T0 + 2 * MINUTE, failureClass: 'model-timeout', count: 1 },
        { bucket: T0 + 2 * MINUTE, failureClass: 'refusal', count: 5 },
      ],
      { from: T0, until: T0 + 3 * MINUTE, bucketMs: MINUTE },
    );
    expect(series.buckets).toEqual([T0, T0 + MINUTE, T0 + 2 * MINUTE]);
    expect(series.series).toEqual([
      { failureClass: 'refusal', category: 'model-output', counts: [0, 0, 5] },
      { failureClass: 'model-timeout', category: 'model-transport', counts: [2, 0, 1] },
    ]);
  });

  test.each([
    [HOUR, MINUTE],
    [6 * HOUR, 10 * MINUTE],
    [24 * HOUR, HOUR],
    [7 * 24 * HOUR, 6 * HOUR],
  ])('a %d ms window is charted in %d ms buckets', (windowMs, bucketMs) => {
    expect(bucketFor(windowMs)).toBe(bucketMs);
  });

  test('long ranges read minute and ten-minute edges around an hour body', () => {
    const TEN = 10 * MINUTE;
    expect(rangeParts(T0 - 93 * MINUTE, T0 + 154 * MINUTE)).toEqual([
      { span: MINUTE, from: T0 - 93 * MINUTE, until: T0 - 90 * MINUTE },
      { span: TEN, from: T0 - 90 * MINUTE, until: T0 - HOUR },
      { span: HOUR, from: T0 - HOUR, until: T0 + 2 * HOUR },
      { span: TEN, from: T0 + 2 * HOUR, until: T0 + 150 * MINUTE },
      { span: MINUTE, from: T0 + 150 * MINUTE, until: T0 + 154 * MINUTE },
    ]);
    expect(rangeParts(T0 + 20 * MINUTE, T0 + 40 * MINUTE)).toEqual([{ span: TEN, from: T0 + 20 * MINUTE, until: T0 + 40 * MINUTE }]);
    expect(rangeParts(T0 + 3 * MINUTE, T0 + 8 * MINUTE)).toEqual([{ span: MINUTE, from: T0 + 3 * MINUTE, until: T0 + 8 * MINUTE }]);
  });

  test('error rate is failures per minute of the window; success rate is null without attempts', () => {
    expect(errorRatePerMinute(10, 5 * MINUTE)).toBe(2);
    expect(successRate({ attempts: 4, successes: 3 })).toBe(0.75);
    expect(successRate({ attempts: 0, successes: 0 })).toBeNull();
  });
});

describe('metrics: figures from the store', () => {
  test('a tally over minute edges and hour bodies equals the events in the range, exactly', () => {
    const store = stores.open();
    const times = [T0 - 3 * HOUR - 5 * MINUTE, T0 - 3 * HOUR + 10 * MINUTE, T0 - 90 * MINUTE, T0 - 61 * MINUTE, T0 - MINUTE, T0 + 20 * MINUTE];
    store.record(times.map((at) => event({ at })));
    expect(store.tally({ since: T0 - 3 * HOUR, until: T0 + 21 * MINUTE }).failures).toBe(5);
    expect(store.tally({ since: T0 - 3 * HOUR + 11 * MINUTE, until: T0 }).failures).toBe(3);
    expect(store.tally({ since: T0 - 2 * HOUR, until: T0 - HOUR }).failures).toBe(2);
    expect(store.tally({ since: T0 - 2 * HOUR, until: T0 - 61 * MINUTE }).failures).toBe(1);
  });

  test('frequency over time counts failures only, per class', () => {
    const store = stores.open();
    store.record([
      event({ at: T0 + 30_000, failureClass: 'model-rate-limit', kind: 'activity-failure' }),
      event({ at: T0 + 90_000, failureClass: 'model-rate-limit', kind: 'activity-failure' }),
      event({ at: T0 + 150_000, failureClass: 'empty-answer' }),
      event({ at: T0 + 150_000, kind: 'heal-attempt', strategy: 'reask', outcome: 'healed' }),
    ]);
    const f = store.frequency({ since: T0, until: T0 + 3 * MINUTE, bucketMs: MINUTE });
    expect(f.series).toEqual([
      { failureClass: 'model-rate-limit', category: 'model-transport', counts: [1, 1, 0] },
      { failureClass: 'empty-answer', category: 'model-output', counts: [0, 0, 1] },
    ]);
  });

  test('the summary names failures, error rate, resolution and budget figures of the window', () => {
    const store = stores.open();
    const now = T0 + 10 * MINUTE;
    store.record([
      event({ at: now - 2 * MINUTE, tokens: 500 }),
      event({ at: now - 2 * MINUTE, kind: 'heal-attempt', strategy: 'reask', outcome: 'healed', tokens: 300 }),
      event({ at: now - MINUTE, kind: 'resolved', outcome: 'resolved' }),
      event({ at: now - 8 * MINUTE, failureClass: 'heartbeat-timeout', kind: 'activity-failure', chainId: 'other' }),
    ]);
    const summary = buildSummary(store, { since: now - HOUR, now });
    expect(summary).toMatchObject({
      failures: 2,
      healAttempts: 1,
      healed: 1,
      heartbeatTimeouts: 1,
      tokens: 800,
      errorRate: { windowMs: 5 * MINUTE, failures: 1, perMinute: 0.2 },
      resolution: { resolved: 1, open: 1, abandoned: 0, rate: 1 },
      lastEventAt: now - MINUTE,
    });
  });

  test('swarm health joins the live source with store figures; a failing source is reported, not thrown', async () => {
    const store = stores.open();
    const now = T0 + 30 * MINUTE;
    store.record([event({ at: now - MINUTE, failureClass: 'heartbeat-timeout', kind: 'activity-failure', tokens: 600 })]);
    const live = await new SwarmHealthProbe({ store, source: async () => ({ activeAgents: 3, workers: 2, pollers: 6, tasks: { running: 3, completed: 10, failed: 1 } }) }).check(now);
    expect(live.live).toMatchObject({ reachable: true, activeAgents: 3, workers: 2, pollers: 6, tasks: { running: 3, completed: 10, failed: 1 } });
    expect(live.errorRate).toEqual({ windowMs: 5 * MINUTE, failures: 1, perMinute: 0.2 });
    expect(live.heartbeatTimeouts).toEqual({ windowMs: HOUR, count: 1 });
    expect(live.budget).toEqual({ windowMs: HOUR, tokens: 600, tokensPerMinute: 10 });

    const down = await new SwarmHealthProbe({ store, source: () => Promise.reject(new Error('connection refused')) }).check(now);
    expect(down.live).toMatchObject({ reachable: false, activeAgents: null, workers: null });
    expect(down.live.message).toContain('connection refused');
  });
});

describe('metrics: strategy success rates for the healer', () => {
  function seedStrategies() {
    const store = stores.open();
    const heal = (strategy: string, healed: boolean, fields: Parameters<typeof event>[0] = {}) =>
      event({ kind: 'heal-attempt', strategy, outcome: healed ? 'healed' : 'retrying', failureClass: 'malformed-json', ...fields });
    store.record([
      ...Array.from({ length: 6 }, (_, i) => heal('reask', i < 2)),
      ...Array.from({ length: 6 }, (_, i) => heal('local-repair', i < 5)),
      heal('regenerate', true, { role: 'critic', model: 'gpt-4o' }),
      heal('reask', true, { failureClass: 'schema-violation' }),
    ]);
    return store;
  }

  test('the activity returns exactly the rows the chooser reads, and the chooser picks the best', async () => {
    const { strategyStats } = createAnalyticsActivities(seedStrategies());
    const stats = await strategyStats({ failureClass: 'malformed-json' });
    expect(stats).toEqual([
      { failureClass: 'malformed-json', role: 'researcher', model: 'gpt-4o-mini', strategy: 'local-repair', attempts: 6, successes: 5 },
      { failureClass: 'malformed-json', role: 'researcher', model: 'gpt-4o-mini', strategy: 'reask', attempts: 6, successes: 2 },
      { failureClass: 'malformed-json', role: 'critic', model: 'gpt-4o', strategy: 'regenerate', attempts: 1, successes: 1 },
    ]);
    const choice = chooseStrategy({
      failureClass: 'malformed-json',
      role: 'researcher',
      model: 'gpt-4o-mini',
      applicable: ['local-repair', 'reask', 'regenerate'],
      triedThisStep: [],
      signatureRepeats: 0,
      stats,
      explorationRoll: 0.99,
    });
    expect(choice.strategy).toBe('local-repair');
  });

  test('role and model narrow the rows; a missing model is the empty string', async () => {
    const store = stores.open();
    store.record([event({ kind: 'heal-attempt', strategy: 'reask', outcome: 'healed', model: undefined, role: 'writer' })]);
    const { strategyStats } = createAnalyticsActivities(store);
    expect(await strategyStats({ role: 'writer' })).toEqual([{ failureClass: 'malformed-json', role: 'writer', model: '', strategy: 'reask', attempts: 1, successes: 1 }]);
    expect(await strategyStats({ role: 'critic' })).toEqual([]);
  });

  test('windowed rates (the dashboard) count attempts per class and strategy in the hours of the window', () => {
    const store = seedStrategies();
    store.record([event({ at: T0 + 5 * HOUR + 20 * MINUTE, kind: 'heal-attempt', strategy: 'decompose', outcome: 'healed' })]);
    expect(store.strategyRates({ since: T0 + 5 * HOUR + 10 * MINUTE })).toEqual([{ failureClass: 'malformed-json', strategy: 'decompose', attempts: 1, successes: 1 }]);
    expect(store.strategyRates({ since: T0, until: T0 + HOUR })).toEqual([
      { failureClass: 'malformed-json', strategy: 'local-repair', attempts: 6, successes: 5 },
      { failureClass: 'malformed-json', strategy: 'reask', attempts: 6, successes: 2 },
      { failureClass: 'schema-violation', strategy: 'reask', attempts: 1, successes: 1 },
      { failureClass: 'malformed-json', strategy: 'regenerate', attempts: 1, successes: 1 },
    ]);
    expect(store.strategyStats().length).toBe(5);
  });
});
