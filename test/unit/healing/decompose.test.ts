import { z } from 'zod';
import { WORKED_EXAMPLES } from '../../../src/healing/examples';
import { assembleSubSteps, canDecompose, decompose, outputFields, validateSubStep } from '../../../src/healing/decompose';
import { OUTPUT_SCHEMA_NAMES, outputSchema } from '../../../src/healing/output-schemas';
import type { StepPromptInput } from '../../../src/healing/prompt';

function stepInput(overrides: Partial<StepPromptInput> = {}): StepPromptInput {
  return {
    missionId: 'm-7',
    role: 'strategist',
    goal: 'Position the second shop',
    outputSchema: 'strategy',
    step: 1,
    steps: 3,
    previousOutputs: [],
    hints: [],
    ...overrides,
  };
}

function fieldsOf(example: object): Record<string, unknown> {
  return { ...example };
}

describe('decompose', () => {
  test('makes one sub-step per top-level field, in schema order', () => {
    const plan = decompose(stepInput());

    expect(plan.strategy).toBe('decompose');
    expect(plan.subSteps?.map((s) => s.field)).toEqual(['positioning', 'initiatives', 'kpis']);
    expect(plan.note).toBe('decompose into 3 sub-steps: positioning, initiatives, kpis');
  });

  test("asks each sub-step for only its field, with the field's own JSON Schema", () => {
    const kpis = decompose(stepInput()).subSteps?.find((s) => s.field === 'kpis');
    const system = kpis?.messages[0].content ?? '';

    expect(system).toContain('Answer with one JSON object of the form { "kpis": ... } and nothing else');
    expect(system).toContain(JSON.stringify(z.toJSONSchema(outputSchema('strategy').shape.kpis)));
    expect(system).not.toContain('positioning');
  });

  test('keeps the goal of the step in every sub-step', () => {
    for (const sub of decompose(stepInput()).subSteps ?? []) expect(sub.messages[1].content).toContain('Goal: Position the second shop');
  });

  test('decomposes the schema it is given, not only the step schema', () => {
    expect(decompose(stepInput(), 'answer').subSteps?.map((s) => s.field)).toEqual(['answer', 'confidence']);
  });

  test.each([
    ['plan', false],
    ['answer', true],
    ['research', true],
  ] as const)('%s can be decomposed: %s', (schema, expected) => {
    expect(canDecompose(schema)).toBe(expected);
  });
});

describe('decompose and assemble round trip', () => {
  test.each(OUTPUT_SCHEMA_NAMES)('the %s worked example survives being split into fields and assembled', (schema) => {
    const example = fieldsOf(WORKED_EXAMPLES[schema]);
    const parts: Record<string, unknown> = {};
    for (const sub of decompose(stepInput({ outputSchema: schema })).subSteps ?? []) {
      const answer = JSON.stringify({ [sub.field]: example[sub.field] });
      const part = validateSubStep(schema, sub.field, answer);
      if (!part.ok) throw new Error(part.errors.join('; '));
      parts[sub.field] = part.value;
    }

    expect(Object.keys(parts)).toEqual(outputFields(schema));
    expect(assembleSubSteps(schema, parts)).toEqual({ ok: true, value: example });
  });
});

describe('validateSubStep', () => {
  test("returns the field's value, unwrapped", () => {
    expect(validateSubStep('strategy', 'kpis', '{"kpis": ["Lunch covers per day"]}')).toEqual({ ok: true, value: ['Lunch covers per day'] });
  });

  test.each([
    ['an empty answer', 'kpis', ' ', 'empty-answer', ['the answer was empty']],
    ['a value the field rejects', 'kpis', '{"kpis": []}', 'schema-violation', ['kpis: Too small: expected array to have >=1 items']],
    ['a bare value without the wrapping object', 'kpis', '["Lunch covers per day"]', 'schema-violation', ['(root): Invalid input: expected object, received array']],
    ['a field the schema does not have', 'budget', '{"budget": 1}', 'schema-violation', ['budget: not a field of the strategy schema']],
  ])('rejects %s', (_case, field, raw, kind, errors) => {
    expect(validateSubStep('strategy', field, raw)).toEqual({ ok: false, kind, errors });
  });

  test('reports JSON that does not parse as malformed', () => {
    expect(validateSubStep('strategy', 'kpis', '{"kpis": [')).toMatchObject({ ok: false, kind: 'malformed-json' });
  });
});

describe('assembleSubSteps', () => {
  test('reports a missing part as a schema violation of the whole', () => {
    const result = assembleSubSteps('answer', { answer: 'Open on Elm Street' });

    expect(result).toEqual({ ok: false, kind: 'schema-violation', errors: ['confidence: Invalid input: expected number, received undefined'] });
  });

  test('ignores parts that are not fields of the schema', () => {
    const result = assembleSubSteps('answer', { answer: 'Open', confidence: 0.5, extra: true });

    expect(result).toEqual({ ok: true, value: { answer: 'Open', confidence: 0.5 } });
  });
});
