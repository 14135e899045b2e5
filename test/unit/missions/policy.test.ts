import { adviceWanted, decide, DecisionInput, decideWithAdvice, isTransient, personDecision } from '../../../workflows/mission/policy';
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

describe('the supervisor policy weighing a model\'s advice', () => {
  const split = (parts?: number) => ({ kind: 'split' as const, reason: 'too broad', ...(parts ? { parts } : {}) });
  const reassign = (role?: string) => ({ kind: 'reassign' as const, reason: 'wrong agent', ...(role ? { to: { role } } : {}) });
  const retry = { kind: 'retry-later' as const, reason: 'flaky' };
  const abandon = { kind: 'abandon' as const, reason: 'pointless' };
  /** Nothing automatic left: the one assignment used, the split depth reached. */
  const stuck = { usedAssignments: 2, splitDepth: 1 };
  const whenStuck = supervision({ reassignTo: [{ role: 'senior' }], askPerson: 'when-stuck', defaultDecision: 'abandon' });

  test.each<[string, Partial<DecisionInput>, { kind: string; followed: boolean; note?: RegExp; parts?: number; role?: string }]>([
    ['split within the depth limit is followed', { advice: split() }, { kind: 'split', followed: true, parts: 2 }],
    ['split beyond maxSplitDepth is overridden: the policy reassigns', { advice: split(), splitDepth: 1 }, { kind: 'reassign', followed: false, note: /split depth limit reached \(1\/1\)/ }],
    ['split into more parts than splitParts is capped', { advice: split(6) }, { kind: 'split', followed: true, parts: 2, note: /advised 6 parts, capped at splitParts 2/ }],
    ['split into fewer parts is followed as advised', { advice: split(2), supervision: supervision({ reassignTo: [{ role: 'senior' }], splitParts: 4, askPerson: 'never' }) }, { kind: 'split', followed: true, parts: 2 }],
    ['reassign with an assignment left is followed', { advice: reassign('senior') }, { kind: 'reassign', followed: true, role: 'senior' }],
    ['reassign to an unconfigured role takes the next configured assignment', { advice: reassign('wizard') }, { kind: 'reassign', followed: true, role: 'senior', note: /advised wizard, which is not the next configured assignment: senior instead/ }],
    ['reassign with no assignment left is overridden: the policy splits', { advice: reassign(), usedAssignments: 2 }, { kind: 'split', followed: false, note: /no assignment left \(1 configured, all used\)/ }],
    ['reassign with nothing left at all: abandon', { advice: reassign(), usedAssignments: 2, splitDepth: 1 }, { kind: 'abandon', followed: false, note: /no assignment left/ }],
    ['retry-later for an output failure is overridden', { advice: retry }, { kind: 'reassign', followed: false, note: /not a transient cause \(empty-answer\)/ }],
    ['retry-later for a transient cause with retries spent is overridden', { advice: retry, failureClasses: ['model-rate-limit'], history: ['retry-later', 'retry-later'] }, { kind: 'reassign', followed: false, note: /no retry left \(2\/2/ }],
    ['abandon is followed even with remedies left', { advice: { kind: 'abandon', reason: 'pointless' } }, { kind: 'abandon', followed: true }],
    ['abandon where a person decides (when-stuck, nothing left) is overridden: the person is asked', { advice: abandon, ...stuck, supervision: whenStuck }, { kind: 'ask-person', followed: false, note: /a person decides once no remedy is left \(askPerson: when-stuck\)/ }],
    ['abandon with remedies left is the model\'s call even when-stuck', { advice: abandon, supervision: whenStuck }, { kind: 'abandon', followed: true }],
    ['abandon with nothing left and no person to ask is followed', { advice: abandon, ...stuck }, { kind: 'abandon', followed: true }],
    ['abandon after the person was asked for this escalation is followed', { advice: abandon, ...stuck, supervision: whenStuck, personAsked: true }, { kind: 'abandon', followed: true }],
    ['abandon in a mission recorded before the person outranked it is followed', { advice: abandon, ...stuck, supervision: whenStuck, personOutranksAbandonAdvice: false }, { kind: 'abandon', followed: true }],
    ['overridden advice with nothing left asks a person when-stuck', { advice: split(), usedAssignments: 2, splitDepth: 1, supervision: supervision({ askPerson: 'when-stuck' }) }, { kind: 'ask-person', followed: false, note: /split depth limit reached/ }],
    ['advice is not weighed once the token budget is spent', { advice: split(), tokensLeft: 0 }, { kind: 'abandon', followed: false, note: /not weighed: mission token budget spent/ }],
    ['advice is not weighed when a transient cause is retried', { advice: split(), failureClasses: ['model-server-error'] }, { kind: 'retry-later', followed: false, note: /not weighed/ }],
  ])('%s', (_name, fields, expected) => {
    const { decision, advice } = decideWithAdvice(input(fields));
    expect(decision.kind).toBe(expected.kind);
    expect(advice?.followed).toBe(expected.followed);
    if (expected.note) expect(advice?.note).toMatch(expected.note);
    else expect(advice?.note).toBeUndefined();
    if (expected.parts) expect(decision).toMatchObject({ parts: expected.parts });
    if (expected.role) expect(decision).toMatchObject({ to: { role: expected.role } });
    if (expected.followed) expect(decision.reason).toMatch(/^advised: /);
  });

  test("the person asked instead of abandoning reads the model's advice in the question and gets the mission's default at the deadline", () => {
    const { decision } = decideWithAdvice(input({ advice: abandon, ...stuck, supervision: whenStuck }));
    expect(decision).toMatchObject({ kind: 'ask-person', fallback: 'abandon' });
    expect(decision.reason).toBe('no automatic remedy left for rollback-limit; the supervisor model advises abandoning it: pointless');
  });

  test.each<[string, Partial<DecisionInput>, boolean]>([
    ['an open decision wants advice', {}, true],
    ['a transient cause with retries left is retried without advice', { failureClasses: ['model-rate-limit'] }, false],
    ['a spent token budget abandons without advice', { tokensLeft: 0 }, false],
    ['a passed deadline abandons without advice', { msLeft: 0 }, false],
    ['the decision limit abandons without advice', { history: ['reassign', 'split', 'reassign'] }, false],
    ['askPerson always asks without advice', { supervision: supervision({ askPerson: 'always' }) }, false],
    ['stuck (nothing automatic left) still wants advice', { usedAssignments: 2, splitDepth: 1 }, true],
  ])('%s', (_name, fields, wanted) => {
    expect(adviceWanted(input(fields))).toBe(wanted);
  });

  test('without advice the decision and its absent verdict are those of decide()', () => {
    expect(decideWithAdvice(input())).toEqual({ decision: decide(input()) });
  });
});

