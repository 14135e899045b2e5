import { HandoffCheck, handoffOffer, handoffRefusal, handoffSpec, handoffsOf, onwardRoles, withHandoffOffer } from '../../../workflows/mission/handoff';
import { parseTaskDocument } from '../../../src/tasks/load';
import { describeOutputSchema, OUTPUT_SCHEMA_NAMES } from '../../../src/healing/output-schemas';
import { outputFields } from '../../../src/healing/decompose';
import { validateOutput } from '../../../src/healing/validate';
import { SimModel } from '../../../src/llm/sim';

const [spec] = parseTaskDocument({ taskId: 'research', missionId: 'm1', role: 'researcher', goal: 'Research the market', outputSchema: 'research' });

describe('hand-offs', () => {
  test('every output schema accepts an optional hand-off and keeps it; the schema shown to the model and decomposition leave it out', () => {
    const answer = { answer: 'Open on Elm Street', confidence: 0.6 };
    expect(validateOutput('answer', JSON.stringify(answer))).toMatchObject({ ok: true, value: answer });
    const handoff = { role: 'critic', goal: 'Check the rent estimate' };
    expect(validateOutput('answer', JSON.stringify({ ...answer, handoff }))).toMatchObject({ ok: true, value: { ...answer, handoff } });
    expect(validateOutput('answer', JSON.stringify({ ...answer, handoff: { role: '' } })).ok).toBe(false);
    for (const name of OUTPUT_SCHEMA_NAMES) {
      expect(describeOutputSchema(name)).not.toContain('handoff');
      expect(outputFields(name)).not.toContain('handoff');
    }
  });

  test('the hand-offs of a task are the distinct ones its outputs name, malformed ones ignored', () => {
    const a = { role: 'analyst', goal: 'Size the market' };
    expect(handoffsOf([{ x: 1 }, { handoff: a }, { handoff: a }, { handoff: { role: 'critic' } }, null, 'text', { handoff: { role: 'critic', goal: 'Check it' } }])).toEqual([a, { role: 'critic', goal: 'Check it' }]);
    expect(handoffsOf([{ answer: 'x' }])).toEqual([]);
  });

  test('the offer is appended whole to the goal, even to a goal at its length limit', () => {
    const offered = withHandoffOffer({ ...spec, goal: 'g'.repeat(4000) }, ['analyst', 'critic']);
    expect(offered.goal.length).toBeLessThanOrEqual(4000);
    expect(offered.goal.endsWith(handoffOffer(['analyst', 'critic']))).toBe(true);
  });

  test('a hand-off task takes the named role and goal, and offers its origin\'s other roles onward', () => {
    const onward = onwardRoles(['analyst', 'critic'], 'analyst');
    expect(onward).toEqual(['critic']);
    const next = handoffSpec(spec, 'research.handoff-1', { role: 'analyst', goal: 'Size the market' }, onward);
    expect(next).toMatchObject({ taskId: 'research.handoff-1', role: 'analyst', outputSchema: 'research', missionId: 'm1' });
    expect(next.goal).toBe(`Size the market\n${handoffOffer(['critic'])}`);
    expect(onwardRoles(['analyst'], 'analyst')).toBeUndefined();
    expect(handoffSpec(spec, 'x', { role: 'analyst', goal: 'Size it' }, undefined).goal).toBe('Size it');
  });

  const check = (fields: Partial<HandoffCheck>): HandoffCheck => ({ handoff: { role: 'analyst', goal: 'Size it' }, taskId: 'research.handoff-1', origin: 'research', offered: ['analyst'], started: 0, maxHandoffs: 10, ...fields });
  test.each<[string, Partial<HandoffCheck>, RegExp | undefined]>([
    ['an offered role within the limits starts', {}, undefined],
    ['a task offered no hand-offs', { offered: undefined }, /research is offered no hand-offs/],
    ['a role not offered', { handoff: { role: 'ceo', goal: 'Decide' } }, /role "ceo" is not offered to research \(handoffTo: analyst\)/],
    ['the mission hand-off limit', { started: 10 }, /mission hand-off limit reached \(10\)/],
    ['maxHandoffs 0 refuses every hand-off', { maxHandoffs: 0 }, /mission hand-off limit reached \(0\)/],
    ['a spent token budget', { limit: 'mission token budget spent (5000/5000)' }, /^mission token budget spent/],
    ['a passed deadline', { limit: 'mission deadline passed' }, /^mission deadline passed$/],
    ['a task id too long for a run suffix', { taskId: `${'t'.repeat(70)}.handoff-1` }, /would be longer than 74 characters/],
  ])('refusal: %s', (_name, fields, refusal) => {
    const reason = handoffRefusal(check(fields));
    if (refusal) expect(reason).toMatch(refusal);
    else expect(reason).toBeUndefined();
  });

  test('the sim model hands off only when the prompt offers it and the goal asks for a follow-up', () => {
    const sim = new SimModel({ seed: 1 });
    const ask = (goal: string) => JSON.parse(sim.decide({ messages: [{ role: 'user', content: `Goal: ${goal}\nStep 1 of 1.` }], temperature: 0.2, taskType: 'answer' }).text) as Record<string, unknown>;
    const offer = handoffOffer(['analyst', 'critic']);
    expect(ask(`Price the product and ask for a follow-up\n${offer}`).handoff).toEqual({ role: 'analyst', goal: expect.stringMatching(/^Follow up on Price the product/) });
    expect(ask('Price the product and ask for a follow-up').handoff).toBeUndefined();
    expect(ask(`Price the product\n${offer}`).handoff).toBeUndefined();
  });
});
