import { decide, DecisionInput, isTransient, personDecision } from '../../../workflows/mission/policy';
import { parseSupervision, Supervision } from '../../../src/contracts/mission-spec';

function supervision(fields: Record<string, unknown> = {}): Supervision {
  const parsed = parseSupervision({ retryBackoffMs: 1_000, ...fields }, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

function input(fields: Partial<DecisionInput> = {}): DecisionInput {
  return {
    end: 'escalated',
    escalationReason: 'rollback-limit',
    failureClasses: ['empty-answer'],
    history: [],
    usedAssignments: 1,
    splitDepth: 0,
    splittable: true,
    personAsked: false,
    tokensLeft: 10_000,
    msLeft: 600_000,
    supervision: supervision({ reassignTo: [{ role: 'senior' }], askPerson: 'never' }),
    ...fields,
  };
}

describe('the supervisor policy', () => {
  test.each<[string, Partial<DecisionInput>, string]>([
    ['an output failure with another assignment left is reassigned', {}, 'reassign'],
    ['no assignment left: split', { usedAssignments: 2 }, 'split'],
    ['no assignment left and split depth reached: abandon', { usedAssignments: 2, splitDepth: 1 }, 'abandon'],
    ['a rate limit is retried later', { failureClasses: ['model-rate-limit'] }, 'retry-later'],
    ['a terminated child is retried later', { end: 'terminated', failureClasses: [] }, 'retry-later'],
    ['a child past its deadline is retried later', { end: 'timed-out', failureClasses: [] }, 'retry-later'],
    ['retries spent on a transient cause: reassign instead', { failureClasses: ['model-server-error'], history: ['retry-later', 'retry-later'] }, 'reassign'],
    ['K decisions reached: abandon', { history: ['reassign', 'split', 'reassign'] }, 'abandon'],
    ['mission tokens spent: abandon', { tokensLeft: 0 }, 'abandon'],
    ['mission deadline passed: abandon', { msLeft: 0 }, 'abandon'],
    ['stuck with askPerson when-stuck: ask', { usedAssignments: 2, splitDepth: 1, supervision: supervision({ askPerson: 'when-stuck' }) }, 'ask-person'],
    ['askPerson always: ask first', { supervision: supervision({ askPerson: 'always', reassignTo: [{ role: 'senior' }] }) }, 'ask-person'],
    ['advice to split is followed when allowed', { advice: { kind: 'split', reason: 'too broad' } }, 'split'],
    ['advice to split is overridden past the depth limit', { advice: { kind: 'split', reason: 'too broad' }, splitDepth: 1 }, 'reassign'],
    ['advice to abandon is followed', { advice: { kind: 'abandon', reason: 'pointless' } }, 'abandon'],
  ])('%s', (_name, fields, kind) => {
    expect(decide(input(fields)).kind).toBe(kind);
  });

  test('the retry backoff doubles with each retry and stays inside the mission deadline', () => {
    expect(decide(input({ failureClasses: ['model-rate-limit'] }))).toMatchObject({ kind: 'retry-later', delayMs: 1_000 });
    expect(decide(input({ failureClasses: ['model-rate-limit'], history: ['retry-later'] }))).toMatchObject({ kind: 'retry-later', delayMs: 2_000 });
    expect(decide(input({ failureClasses: ['model-rate-limit'], msLeft: 1_500, history: ['retry-later'] })).kind).toBe('reassign');
  });

  test('a reassignment takes the next assignment in order', () => {
    const s = supervision({ reassignTo: [{ role: 'b' }, { model: 'm2' }], askPerson: 'never' });
    expect(decide(input({ supervision: s }))).toMatchObject({ kind: 'reassign', to: { role: 'b' } });
    expect(decide(input({ supervision: s, usedAssignments: 2, history: ['reassign'] }))).toMatchObject({ kind: 'reassign', to: { model: 'm2' } });
  });

  test('a question carries the default decision and a deadline inside the mission', () => {
    const decision = decide(input({ usedAssignments: 2, splitDepth: 1, msLeft: 5_000, supervision: supervision({ askPerson: 'when-stuck', defaultDecision: 'retry', personDeadlineMs: 60_000 }) }));
    expect(decision).toMatchObject({ kind: 'ask-person', deadlineMs: 5_000, fallback: 'retry' });
  });

  test.each<[string, Record<string, string>, string]>([
    ['reassign with a role', { decision: 'reassign', role: 'expert' }, 'reassign'],
    ['split', { decision: 'split' }, 'split'],
    ['retry', { decision: 'retry' }, 'retry-later'],
    ['abandon', { decision: 'abandon' }, 'abandon'],
  ])('a person answering %s', (_name, answer, kind) => {
    const decision = personDecision(answer as never, input());
    expect(decision.kind).toBe(kind);
    if (answer.role) expect(decision).toMatchObject({ to: { role: 'expert' } });
  });

  test('transient causes', () => {
    expect(isTransient({ end: 'escalated', failureClasses: ['heartbeat-timeout'] })).toBe(true);
    expect(isTransient({ end: 'escalated', failureClasses: ['schema-violation', 'model-rate-limit'] })).toBe(false);
    expect(isTransient({ end: 'failed', failureClasses: [] })).toBe(false);
  });

  test('the same input gives the same decision', () => {
    expect(decide(input())).toEqual(decide(input()));
  });
});
