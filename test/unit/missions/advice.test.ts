import { AdviceRequest, adviceMessages, parseAdvice } from '../../../workflows/mission/advice';
import { SimModel } from '../../../src/llm/sim';

function request(fields: Partial<AdviceRequest> = {}): AdviceRequest {
  return {
    missionId: 'm1',
    taskId: 'draft',
    role: 'junior',
    goal: 'Draft the launch plan',
    steps: 2,
    cause: 'rollback-limit',
    failureClasses: ['empty-answer'],
    summary: 'draft: escalated (rollback-limit) at step 2 after 1 run(s)',
    missionMemory: [],
    history: [],
    assignmentsLeft: [{ role: 'senior' }],
    splitDepth: 0,
    maxSplitDepth: 1,
    splitParts: 2,
    tokensLeft: 10_000,
    msLeft: 60_000,
    ...fields,
  };
}

/** What the sim model advises for a request (no faults unless `faults` are given). */
function simAdvises(fields: Partial<AdviceRequest>, faults = {}): string {
  return new SimModel({ seed: 1, faults }).decide({ messages: adviceMessages(request(fields)), temperature: 0, taskType: 'supervisor' }).text;
}

describe('the supervisor model\'s advice', () => {
  test.each<[string, string, ReturnType<typeof parseAdvice>]>([
    ['a valid reassignment', '{"decision":"reassign","reason":"needs a senior","role":"senior"}', { ok: true, advice: { kind: 'reassign', reason: 'needs a senior', to: { role: 'senior' } } }],
    ['a split with parts', '{"decision":"split","reason":"too broad","parts":3}', { ok: true, advice: { kind: 'split', reason: 'too broad', parts: 3 } }],
    ['fields that do not belong to the decision are dropped', '{"decision":"abandon","reason":"pointless","role":"x","parts":2}', { ok: true, advice: { kind: 'abandon', reason: 'pointless' } }],
    ['wrapping in a code fence and prose is tolerated', 'Here you go:\n```json\n{"decision":"retry-later","reason":"outage",}\n```', { ok: true, advice: { kind: 'retry-later', reason: 'outage' } }],
  ])('%s is accepted', (_name, text, expected) => {
    expect(parseAdvice(text)).toEqual(expected);
  });

  test.each<[string, string, RegExp]>([
    ['an unknown decision', '{"decision":"escalate-to-human","reason":"a person should look"}', /^decision: /],
    ['ask-person (a person is asked by the policy only)', '{"decision":"ask-person","reason":"unsure"}', /^decision: /],
    ['a missing reason', '{"decision":"split"}', /^reason: /],
    ['parts beyond the fan-out bound', '{"decision":"split","reason":"huge","parts":50}', /^parts: /],
    ['prose without JSON', 'I would reassign it to a senior agent.', /no JSON object/],
    ['an answer cut off mid-object', '{"decision":"split","reas', /no JSON object/],
    ['an empty answer', '', /empty answer/],
  ])('%s is rejected, naming the problem', (_name, text, error) => {
    const parsed = parseAdvice(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  test('the prompt carries the context, the decisions so far and what is left', () => {
    const [system, user] = adviceMessages(request({ history: ['reassign'], missionMemory: ['facts: prices rose'] }));
    expect(system.content).toMatch(/^You are the supervisor agent of mission m1\./);
    expect(user.content).toContain('Failure classes: empty-answer');
    expect(user.content).toContain('Decisions so far: reassign');
    expect(user.content).toContain('Assignments left: role senior');
    expect(user.content).toContain('Split depth: 0 of at most 1; at most 2 parts');
    expect(user.content).toContain('- facts: prices rose');
  });

  test.each<[string, Partial<AdviceRequest>, string]>([
    ['a transient cause: retry later', { cause: 'timed-out', failureClasses: ['model-rate-limit'] }, 'retry-later'],
    ['bad answers: split (whatever the depth, which the policy weighs)', { splitDepth: 1 }, 'split'],
    ['bad answers after a split: reassign to the role left', { history: ['split'] }, 'reassign'],
    ['nothing left: abandon', { history: ['split'], assignmentsLeft: [] }, 'abandon'],
  ])('the sim supervisor advises realistically: %s', (_name, fields, kind) => {
    const parsed = parseAdvice(simAdvises(fields));
    expect(parsed).toMatchObject({ ok: true, advice: { kind } });
    if (kind === 'reassign' && parsed.ok) expect(parsed.advice.to).toEqual({ role: 'senior' });
  });

  test('the sim supervisor is sometimes malformed: its output faults fail the advice schema or parsing', () => {
    const violations = Array.from({ length: 20 }, (_, i) => parseAdvice(simAdvises({ taskId: `t${i}` }, { schemaViolation: 1 })));
    expect(violations.every((p) => !p.ok)).toBe(true);
    const malformed = Array.from({ length: 40 }, (_, i) => parseAdvice(simAdvises({ taskId: `t${i}` }, { malformedJson: 1 })));
    // Fences, trailing commas and prose are tolerated; an answer cut off mid-object is not.
    expect(malformed.some((p) => p.ok)).toBe(true);
    expect(malformed.some((p) => !p.ok)).toBe(true);
  });
});
