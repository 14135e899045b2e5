import type { ChatMessage } from '../../../src/llm/provider';
import { FAILURE_CLASSES, FailureClass } from '../../../src/contracts/failure-taxonomy';
import { workedExample } from '../../../src/healing/examples';
import { describeOutputSchema } from '../../../src/healing/output-schemas';
import { StepPromptInput, stepMessages } from '../../../src/healing/prompt';
import {
  applicableStrategies,
  fallbackModel,
  lowerTemperature,
  reask,
  regenerate,
  STRATEGY_LADDER,
  StrategyContext,
} from '../../../src/healing/strategies';

function stepInput(overrides: Partial<StepPromptInput> = {}): StepPromptInput {
  return {
    missionId: 'm-42',
    role: 'critic',
    goal: 'Judge the launch plan',
    outputSchema: 'critique',
    step: 0,
    steps: 2,
    previousOutputs: [],
    hints: [],
    ...overrides,
  };
}

const base: ChatMessage[] = [
  { role: 'system', content: 'You are the critic agent.' },
  { role: 'user', content: 'Goal: Judge the launch plan' },
];

describe('the strategy ladder', () => {
  test('runs from the cheapest repair to rollback', () => {
    expect(STRATEGY_LADDER).toEqual(['local-repair', 'reask', 'regenerate', 'lower-temperature', 'fallback-model', 'decompose', 'rollback']);
  });
});

describe('reask', () => {
  test('sends the step prompt, the offending answer and the validation errors', () => {
    const plan = reask(base, '{"verdict": "maybe"}', ['verdict: Invalid option', 'score: Required']);

    expect(plan.strategy).toBe('reask');
    expect(plan.messages?.slice(0, 2)).toEqual(base);
    expect(plan.messages?.[2]).toEqual({ role: 'assistant', content: '{"verdict": "maybe"}' });
    expect(plan.messages?.[3].content).toContain('- verdict: Invalid option\n- score: Required');
    expect(plan.note).toBe('reask with 2 validation errors as diagnostics');
  });
});

describe('regenerate', () => {
  const plan = regenerate(stepInput(), ['score: expected <=10, received 12', 'score: expected <=10, received 15', 'issues: Required']);
  const system = plan.messages?.[0].content ?? '';

  test('numbers its instructions', () => {
    expect(system).toMatch(/\n1\. .+\n2\. .+\n3\. .+\n4\. .+\n(?: .*\n)*5\. /);
  });

  test('gives the JSON Schema and the worked example of the output schema', () => {
    expect(system).toContain(describeOutputSchema('critique'));
    expect(system).toContain(workedExample('critique'));
  });

  test('lists the previous errors once each as mistakes to avoid', () => {
    expect(system).toContain('Avoid these mistakes:\n   - score: expected <=10, received 12\n   - issues: Required\n');
    expect(system).not.toContain('received 15');
  });

  test('asks for the JSON object only', () => {
    expect(system).toContain('Output only the JSON object: no prose, no markdown, no code fences.');
  });

  test('keeps the goal and context of the step prompt', () => {
    const context = stepMessages(stepInput()).filter((m) => m.role === 'user');

    expect(plan.messages?.slice(1)).toEqual(context);
  });

  test('leaves out the avoid instruction when there are no errors', () => {
    expect(regenerate(stepInput(), []).messages?.[0].content).not.toContain('Avoid');
  });
});

describe('lowerTemperature', () => {
  test.each([
    [0.7, 0.4],
    [1, 0.7],
    [0.3, 0],
    [0.2, 0],
    [0.45, 0.15],
  ])('from %f goes to %f', (current, next) => {
    expect(lowerTemperature(current)).toEqual({ strategy: 'lower-temperature', temperature: next, note: `lower temperature from ${current} to ${next}` });
  });

  test('does not apply at temperature 0', () => {
    expect(lowerTemperature(0)).toBeUndefined();
  });
});

describe('fallbackModel', () => {
  test.each([
    ['the primary model goes to the first fallback', 'big', ['mid', 'small'], [], 'mid'],
    ['a fallback goes to the next one', 'mid', ['mid', 'small'], [], 'small'],
    ['models used already are skipped', 'big', ['mid', 'small'], ['mid'], 'small'],
  ])('%s', (_case, current, fallbacks, used, next) => {
    expect(fallbackModel(current, fallbacks, used)).toEqual({ strategy: 'fallback-model', model: next, note: `switch model from ${current} to ${next}` });
  });

  test.each([
    ['the last fallback is in use', 'small', ['mid', 'small'], []],
    ['there are no fallbacks', 'big', [], []],
    ['every fallback was used', 'big', ['mid', 'small'], ['mid', 'small']],
  ])('does not apply when %s', (_case, current, fallbacks, used) => {
    expect(fallbackModel(current, fallbacks, used)).toBeUndefined();
  });
});

describe('applicableStrategies', () => {
  const roomy: StrategyContext = { temperature: 0.7, fallbacksLeft: 1, canDecompose: true };
  const full = [...STRATEGY_LADDER];
  const withoutLocalRepair = full.filter((s) => s !== 'local-repair');

  test.each<[FailureClass, string[]]>([
    ['malformed-json', full],
    ['schema-violation', full],
    ['refusal', full],
    ['empty-answer', withoutLocalRepair],
    ['model-timeout', ['fallback-model', 'rollback']],
    ['model-rate-limit', ['fallback-model', 'rollback']],
    ['model-server-error', ['fallback-model', 'rollback']],
    ['model-unreachable', ['fallback-model', 'rollback']],
    ['model-rejected', ['fallback-model', 'rollback']],
    ['worker-lost', ['rollback']],
    ['heartbeat-timeout', ['rollback']],
    ['budget-exhausted', ['rollback']],
    ['escalation', ['rollback']],
    ['unknown', ['rollback']],
  ])('for %s: %j', (failureClass, expected) => {
    expect(applicableStrategies(failureClass, roomy)).toEqual(expected);
  });

  test('covers every failure class of the taxonomy', () => {
    for (const failureClass of Object.keys(FAILURE_CLASSES) as FailureClass[]) {
      expect(applicableStrategies(failureClass, roomy)).toContain('rollback');
    }
  });

  test.each<[string, Partial<StrategyContext>, string]>([
    ['temperature is 0', { temperature: 0 }, 'lower-temperature'],
    ['no fallback is left', { fallbacksLeft: 0 }, 'fallback-model'],
    ['the schema cannot be decomposed', { canDecompose: false }, 'decompose'],
  ])('leaves a strategy out when %s', (_case, context, missing) => {
    const strategies = applicableStrategies('schema-violation', { ...roomy, ...context });

    expect(strategies).not.toContain(missing);
    expect(strategies).toHaveLength(STRATEGY_LADDER.length - 1);
  });

  test('leaves only rollback for a transport fault with no fallback left', () => {
    expect(applicableStrategies('model-timeout', { ...roomy, fallbacksLeft: 0 })).toEqual(['rollback']);
  });
});
