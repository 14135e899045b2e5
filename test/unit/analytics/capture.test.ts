import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAnalyticsActivities } from '../../../activities/analytics';
import { INVALID_ANALYTICS_INPUT } from '../../../src/contracts/failure-types';
import { FailureRecorder } from '../../../workflows/agent-task/failure-recorder';
import { DreamError } from '../../../src/errors';
import { event, MINUTE, T0, useStores } from './helpers';

const stores = useStores();

describe('capture: the store records each event once', () => {
  test('a batch is stored with every field the issue names', () => {
    const store = stores.open();
    const failure = event({ message: 'Unexpected token } in JSON', tokens: 412, attempt: 2, step: 3, role: 'critic' });
    expect(store.record([failure])).toEqual({ recorded: 1, duplicates: 0, tooOld: 0 });
    expect(store.eventsOfChain(failure.chainId)).toEqual([{ ...failure, category: 'model-output' }]);
  });

  test('recording the same batch again counts duplicates and changes no figure', () => {
    const store = stores.open();
    const batch = [event(), event({ kind: 'heal-attempt', strategy: 'reask', outcome: 'healed' }), event({ kind: 'resolved', outcome: 'resolved', at: T0 + 5_000 })];
    store.record(batch);
    const before = { tally: store.tally({ since: 0 }), resolution: store.resolution({ since: 0 }), strategies: store.strategyStats() };

    expect(store.record(batch)).toEqual({ recorded: 0, duplicates: 3, tooOld: 0 });
    expect(store.rawEventCount()).toBe(3);
    expect({ tally: store.tally({ since: 0 }), resolution: store.resolution({ since: 0 }), strategies: store.strategyStats() }).toEqual(before);
  });

  test('a batch mixing new and known keys records only the new ones', () => {
    const store = stores.open();
    const known = event();
    store.record([known]);
    expect(store.record([known, event()])).toEqual({ recorded: 1, duplicates: 1, tooOld: 0 });
  });

  test('an invalid event refuses the whole batch with a DreamError naming the field', () => {
    const store = stores.open();
    const bad = { ...event(), failureClass: 'gremlins' } as unknown as ReturnType<typeof event>;
    const error = (() => {
      try {
        store.record([event(), bad]);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(DreamError);
    expect((error as DreamError).code).toBe('ANALYTICS_INVALID_EVENT');
    expect((error as DreamError).message).toContain('events[1].failureClass');
    expect(store.rawEventCount()).toBe(0);
  });

  test('messages longer than 2000 characters are cut, not refused', () => {
    const store = stores.open();
    const long = event({ message: 'x'.repeat(5_000) });
    store.record([long]);
    expect(store.eventsOfChain(long.chainId)[0].message).toHaveLength(2_000);
  });

  test('the store survives a reopen: nothing recorded is lost', () => {
    const first = stores.open('durable.db');
    const e = event();
    first.record([e]);
    first.close();
    const second = stores.open('durable.db');
    expect(second.record([e])).toEqual({ recorded: 0, duplicates: 1, tooOld: 0 });
    expect(second.rawEventCount()).toBe(1);
  });

  test('a read-only store refuses writes', () => {
    stores.open('shared.db').record([event()]);
    const reader = stores.open('shared.db', { readonly: true });
    expect(() => reader.record([event()])).toThrow(expect.objectContaining({ code: 'ANALYTICS_STORE_READONLY' }));
    expect(reader.rawEventCount()).toBe(1);
  });

  test('opening a missing store read-only says how to get one', () => {
    expect(() => stores.open('nowhere.db', { readonly: true })).toThrow(expect.objectContaining({ code: 'ANALYTICS_STORE_MISSING' }));
  });
});

describe('capture: the recordFailureEvents activity', () => {
  test('a retried activity (same input) never duplicates', async () => {
    const store = stores.open();
    const { recordFailureEvents } = createAnalyticsActivities(store);
    const env = new MockActivityEnvironment();
    const input = { events: [event(), event({ kind: 'rollback', outcome: 'rolled-back', strategy: 'rollback' })] };

    expect(await env.run(recordFailureEvents, input)).toEqual({ recorded: 2, duplicates: 0, tooOld: 0 });
    expect(await env.run(recordFailureEvents, input)).toEqual({ recorded: 0, duplicates: 2, tooOld: 0 });
    expect(store.rawEventCount()).toBe(2);
  });

  test('invalid events fail non-retryably, so Temporal does not retry them forever', async () => {
    const { recordFailureEvents } = createAnalyticsActivities(stores.open());
    const failure = await new MockActivityEnvironment().run(recordFailureEvents, { events: [{ ...event(), step: -1 }] }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: INVALID_ANALYTICS_INPUT, nonRetryable: true });
    expect((failure as Error).message).toContain('events[0].step');
  });
});

describe('capture: FailureRecorder (workflow side)', () => {
  const context = { missionId: 'm1', workflowId: 'wf-7', runId: 'run-a', role: 'analyst', model: 'gpt-4o-mini' };

  test('keys are deterministic: the same calls build the same events', () => {
    const build = () => {
      let now = T0;
      const recorder = new FailureRecorder(context, undefined, () => (now += 1_000));
      recorder.failure(0, { kind: 'validation-failure', attempt: 1, failureClass: 'schema-violation', tokens: 90 });
      recorder.healAttempt(0, { attempt: 1, strategy: 'reask', healed: true, failureClass: 'schema-violation' });
      recorder.resolved(0, { attempt: 1 });
      return recorder.drain();
    };
    const events = build();
    expect(events).toEqual(build());
    expect(events.map((e) => e.idempotencyKey)).toEqual(['wf-7/run-a/0', 'wf-7/run-a/1', 'wf-7/run-a/2']);
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([
      ['validation-failure', 'retrying'],
      ['heal-attempt', 'healed'],
      ['resolved', 'resolved'],
    ]);
    expect(new Set(events.map((e) => e.chainId)).size).toBe(1);
  });

  test('a step that never failed records nothing when it succeeds', () => {
    const recorder = new FailureRecorder(context);
    expect(recorder.resolved(2, { attempt: 1 })).toBeUndefined();
    expect(recorder.pendingCount).toBe(0);
  });

  test('a failure after a resolution starts a new chain for the same step', () => {
    const recorder = new FailureRecorder(context, undefined, () => T0);
    const first = recorder.failure(1, { kind: 'activity-failure', attempt: 1, failureClass: 'model-timeout' });
    recorder.resolved(1, { attempt: 2 });
    const second = recorder.failure(1, { kind: 'activity-failure', attempt: 1, failureClass: 'model-timeout' });
    expect(second.chainId).not.toBe(first.chainId);
    expect(recorder.isOpen(1)).toBe(true);
  });

  test('state carried over continueAsNew keeps the chain going', () => {
    const before = new FailureRecorder(context, undefined, () => T0);
    const failure = before.failure(0, { kind: 'validation-failure', attempt: 1, failureClass: 'malformed-json' });
    const after = new FailureRecorder({ ...context, runId: 'run-b' }, before.state(), () => T0 + MINUTE);
    const resolved = after.resolved(0, { attempt: 2 });
    expect(resolved?.chainId).toBe(failure.chainId);
    expect(resolved?.idempotencyKey).toBe('wf-7/run-b/0');
  });

  test('heal attempts and rollbacks carry the class of the failure they repair', () => {
    const recorder = new FailureRecorder(context, undefined, () => T0);
    recorder.failure(0, { kind: 'validation-failure', attempt: 1, failureClass: 'malformed-json' });
    recorder.failure(0, { kind: 'validation-failure', attempt: 2, failureClass: 'schema-violation' });
    const heal = recorder.healAttempt(0, { attempt: 2, strategy: 'reask', healed: false });
    const carried = new FailureRecorder(context, recorder.state(), () => T0);
    expect([heal.failureClass, carried.rollback(0, { attempt: 2 }).failureClass]).toEqual(['schema-violation', 'schema-violation']);
    carried.resolved(0, { attempt: 3 });
    expect(carried.healAttempt(0, { attempt: 1, strategy: 'reask', healed: true }).failureClass).toBeUndefined();
  });

  test('events that failed to send can be put back in front', () => {
    const recorder = new FailureRecorder(context, undefined, () => T0);
    recorder.failure(0, { kind: 'validation-failure', attempt: 1 });
    const sent = recorder.drain();
    recorder.escalation(0, { attempt: 3, message: 'needs a human' });
    recorder.restore(sent);
    expect(recorder.drain().map((e) => e.kind)).toEqual(['validation-failure', 'escalation']);
  });

  test('what the recorder builds, the store accepts and chains', () => {
    const store = stores.open();
    let now = T0;
    const recorder = new FailureRecorder(context, undefined, () => (now += 2_000));
    recorder.failure(0, { kind: 'validation-failure', attempt: 1, failureClass: 'malformed-json' });
    recorder.rollback(0, { attempt: 1, failureClass: 'malformed-json' });
    recorder.abandoned(0, { attempt: 2 });
    store.record(recorder.drain());
    expect(store.resolution({ since: 0 })).toMatchObject({ resolved: 0, abandoned: 1, open: 0 });
  });
});
