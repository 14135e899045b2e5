import { event, HOUR, T0, useStores } from './helpers';

const stores = useStores();

describe('hand-off events in the failure store', () => {
  test('a hand-off is counted as a supervisor decision but folds into no chain, rollup or strategy figure', () => {
    const store = stores.open();
    const handoff = (outcome: 'resolved' | 'abandoned') => event({ kind: 'hand-off', failureClass: undefined, strategy: 'supervisor:hand-off', outcome, message: 'hand-off to analyst: its output names a follow-up' });
    expect(store.record([handoff('resolved'), handoff('abandoned')]).recorded).toBe(2);

    expect(store.decisionRates({ since: T0 - HOUR })).toEqual([{ decision: 'hand-off', cause: 'hand-off to analyst', decisions: 2, resolved: 1 }]);
    expect(store.chains({ since: T0 - HOUR, limit: 10 })).toEqual([]);
    const tally = store.tally({ since: T0 - HOUR, until: T0 + HOUR });
    expect(tally.failures).toBe(0);
    expect(tally.byKind['hand-off']).toBe(0);
    expect(store.strategyStats({ strategy: 'supervisor:hand-off' })).toEqual([]);
  });

  test('next to a heal-attempt decision, both are rated by their own decision and cause', () => {
    const store = stores.open();
    store.record([
      event({ kind: 'heal-attempt', strategy: 'supervisor:reassign', outcome: 'healed', message: 'rollback-limit: failed as assigned' }),
      event({ kind: 'hand-off', failureClass: undefined, strategy: 'supervisor:hand-off', outcome: 'resolved', message: 'hand-off to critic: its output names a follow-up' }),
    ]);
    expect(store.decisionRates({ since: T0 - HOUR })).toEqual(
      expect.arrayContaining([
        { decision: 'reassign', cause: 'rollback-limit', decisions: 1, resolved: 1 },
        { decision: 'hand-off', cause: 'hand-off to critic', decisions: 1, resolved: 1 },
      ]),
    );
  });
});
