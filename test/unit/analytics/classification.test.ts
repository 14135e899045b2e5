import { createAnalyticsActivities } from '../../../activities/analytics';
import { categoryOf, classifyFailure, FAILURE_CLASSES, FailureClass, FailureFacts } from '../../../src/contracts/failure-taxonomy';
import { event, MINUTE, T0, useStores } from './helpers';

const stores = useStores();

describe('classification: classifyFailure maps what a workflow saw to one class', () => {
  const cases: [string, FailureFacts, FailureClass][] = [
    ['an activity timeout on heartbeat', { timeoutType: 'HEARTBEAT' }, 'heartbeat-timeout'],
    ['the proto name of a heartbeat timeout', { timeoutType: 'TIMEOUT_TYPE_HEARTBEAT' }, 'heartbeat-timeout'],
    ['a start-to-close timeout (the worker went away)', { timeoutType: 'START_TO_CLOSE' }, 'worker-lost'],
    ['a model timeout', { applicationType: 'ModelTimeout' }, 'model-timeout'],
    ['a rate limit', { applicationType: 'ModelRateLimited' }, 'model-rate-limit'],
    ['a 5xx from the model server', { applicationType: 'ModelServerError' }, 'model-server-error'],
    ['an unreachable endpoint', { applicationType: 'ModelUnreachable' }, 'model-unreachable'],
    ['a rejected request', { applicationType: 'ModelRequestRejected' }, 'model-rejected'],
    ['failed authentication', { applicationType: 'ModelAuthFailed' }, 'model-rejected'],
    ['an unknown model', { applicationType: 'ModelNotFound' }, 'model-rejected'],
    ['an escalation', { applicationType: 'EscalationRequired' }, 'escalation'],
    ['malformed JSON', { validationKind: 'malformed-json', message: 'Unexpected token' }, 'malformed-json'],
    ['a refusal instead of JSON', { validationKind: 'malformed-json', message: "I'm sorry, but I can't help with that." }, 'refusal'],
    ['a schema violation', { validationKind: 'schema-violation' }, 'schema-violation'],
    ['an empty answer', { validationKind: 'empty-answer' }, 'empty-answer'],
    ['an unknown application failure', { applicationType: 'Whatever' }, 'unknown'],
    ['nothing known', {}, 'unknown'],
  ];
  test.each(cases)('%s', (_name, facts, expected) => {
    expect(classifyFailure(facts)).toBe(expected);
  });

  test('validation wins over a timeout type: the answer arrived, it was bad', () => {
    expect(classifyFailure({ validationKind: 'schema-violation', timeoutType: 'START_TO_CLOSE' })).toBe('schema-violation');
  });

  test('every class belongs to one of four categories', () => {
    const categories = new Set(Object.keys(FAILURE_CLASSES).map((c) => categoryOf(c as FailureClass)));
    expect([...categories].sort()).toEqual(['infrastructure', 'logic', 'model-output', 'model-transport']);
  });
});

describe('classification: the store answers by class and category', () => {
  test('failures are counted per class, most frequent first, and per category', () => {
    const store = stores.open();
    store.record([
      event({ failureClass: 'malformed-json' }),
      event({ failureClass: 'malformed-json' }),
      event({ failureClass: 'model-timeout', kind: 'activity-failure' }),
      event({ failureClass: undefined, kind: 'workflow-failure' }),
      event({ kind: 'heal-attempt', strategy: 'reask', outcome: 'healed' }),
    ]);
    const tally = store.tally({ since: T0 - MINUTE });
    expect(tally.failures).toBe(4);
    expect(tally.byClass).toEqual([
      { failureClass: 'malformed-json', category: 'model-output', count: 2 },
      { failureClass: 'model-timeout', category: 'model-transport', count: 1 },
      { failureClass: 'unknown', category: 'logic', count: 1 },
    ]);
    expect(tally.byCategory).toEqual({ 'model-output': 2, 'model-transport': 1, infrastructure: 0, logic: 1 });
  });

  test('recorded events carry the category of their class', () => {
    const store = stores.open();
    const e = event({ failureClass: 'heartbeat-timeout', kind: 'activity-failure' });
    store.record([e]);
    expect(store.recentFailures(1)[0]).toMatchObject({ failureClass: 'heartbeat-timeout', category: 'infrastructure' });
  });

  test('the supervisor asks for failure classes over a window through an activity', async () => {
    const store = stores.open();
    const now = Date.now();
    store.record([
      event({ at: now - 10 * MINUTE, failureClass: 'model-rate-limit', kind: 'activity-failure' }),
      event({ at: now - 5 * MINUTE, failureClass: 'model-rate-limit', kind: 'activity-failure' }),
      event({ at: now - 3 * 3_600_000, failureClass: 'malformed-json' }),
    ]);
    const answer = await createAnalyticsActivities(store).failureClasses({ windowMs: 3_600_000 });
    expect(answer.failures).toBe(2);
    expect(answer.byClass).toEqual([{ failureClass: 'model-rate-limit', category: 'model-transport', count: 2 }]);
  });
});
