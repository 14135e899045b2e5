import { chooseStrategy, ChooserInput, StrategyStatRow } from '../../../src/healing/chooser';
import { STRATEGY_LADDER, StrategyName } from '../../../src/healing/strategies';

const NO_EXPLORATION = 0.99;

function chooserInput(overrides: Partial<ChooserInput> = {}): ChooserInput {
  return {
    failureClass: 'schema-violation',
    role: 'critic',
    model: 'big',
    applicable: [...STRATEGY_LADDER],
    triedThisStep: [],
    signatureRepeats: 0,
    stats: [],
    explorationRoll: NO_EXPLORATION,
    ...overrides,
  };
}

/** A stats row for the chooser's default class, role and model unless told otherwise. */
function row(strategy: StrategyName, attempts: number, successes: number, where: Partial<StrategyStatRow> = {}): StrategyStatRow {
  return { failureClass: 'schema-violation', role: 'critic', model: 'big', strategy, attempts, successes, ...where };
}

describe('chooseStrategy', () => {
  describe('with no history', () => {
    test('takes the lowest applicable rung at the prior 0.5', () => {
      expect(chooseStrategy(chooserInput())).toEqual({
        strategy: 'local-repair',
        reason: 'best for schema-violation: local-repair, score 0.50 (no history, prior 0.5)',
        score: 0.5,
      });
    });

    test('follows ladder order, not the order strategies are listed in', () => {
      expect(chooseStrategy(chooserInput({ applicable: ['rollback', 'regenerate', 'reask'] })).strategy).toBe('reask');
    });
  });

  describe('scoring by history', () => {
    test.each<[string, StrategyStatRow[], StrategyName, number]>([
      ['the historically best strategy for this role and model', [row('reask', 10, 2), row('regenerate', 10, 8)], 'regenerate', 9 / 12],
      ['a lower rung when it is as good', [row('reask', 10, 8), row('regenerate', 10, 8)], 'reask', 9 / 12],
      ['an untried strategy (prior 0.5) over a poor one', [row('local-repair', 10, 0)], 'reask', 0.5],
      ['by smoothed rate, so 9/10 beats 1/1', [row('local-repair', 1, 1), row('reask', 10, 9)], 'reask', 10 / 12],
    ])('picks %s', (_case, stats, strategy, score) => {
      expect(chooseStrategy(chooserInput({ stats }))).toMatchObject({ strategy, score });
    });

    test('ignores rows of other failure classes', () => {
      const stats = [row('reask', 50, 50, { failureClass: 'malformed-json' }), row('local-repair', 10, 6)];

      expect(chooseStrategy(chooserInput({ stats })).strategy).toBe('local-repair');
    });

    test('sums rows of the same class, role, model and strategy', () => {
      const stats = [row('reask', 3, 3), row('reask', 3, 3), row('regenerate', 10, 8)];

      expect(chooseStrategy(chooserInput({ stats, applicable: ['reask', 'regenerate'] }))).toEqual({
        strategy: 'reask',
        reason: 'best for schema-violation: reask, score 0.88 (6/6 successes for critic on big)',
        score: 7 / 8,
      });
    });

    test('falls back to class-wide stats when this role and model have fewer than 5 attempts', () => {
      const stats = [
        row('regenerate', 4, 4),
        row('reask', 20, 18, { role: 'planner', model: 'small' }),
        row('regenerate', 20, 2, { role: 'analyst' }),
      ];

      expect(chooseStrategy(chooserInput({ stats }))).toEqual({
        strategy: 'reask',
        reason: 'best for schema-violation: reask, score 0.86 (18/20 successes class-wide)',
        score: 19 / 22,
      });
    });

    test('trusts this role and model from 5 attempts on', () => {
      const stats = [row('regenerate', 5, 5), row('reask', 20, 15, { role: 'planner' }), row('regenerate', 20, 0, { role: 'planner' })];

      expect(chooseStrategy(chooserInput({ stats }))).toEqual({
        strategy: 'regenerate',
        reason: 'best for schema-violation: regenerate, score 0.86 (5/5 successes for critic on big)',
        score: 6 / 7,
      });
    });
  });

  describe('exploration', () => {
    const stats = [row('local-repair', 9, 9), row('reask', 3, 1), row('regenerate', 3, 0), row('lower-temperature', 7, 1)];
    const applicable: StrategyName[] = ['local-repair', 'reask', 'regenerate', 'lower-temperature'];

    test('picks the least-tried candidate when the roll is under the rate, ties to the lower rung', () => {
      const choice = chooseStrategy(chooserInput({ stats, applicable, explorationRoll: 0.05 }));

      expect(choice.strategy).toBe('reask');
      expect(choice.reason).toBe('explore: reask is the least tried for critic on big (3 attempts)');
    });

    test('exploits when the roll is at or above the rate', () => {
      expect(chooseStrategy(chooserInput({ stats, applicable, explorationRoll: 0.1 })).strategy).toBe('local-repair');
    });

    test.each([
      [0, 0.05, 'local-repair'],
      [0.5, 0.3, 'reask'],
    ])('uses the given rate %f: roll %f picks %s', (explorationRate, explorationRoll, strategy) => {
      expect(chooseStrategy(chooserInput({ stats, applicable, explorationRate, explorationRoll })).strategy).toBe(strategy);
    });
  });

  describe('loop detection', () => {
    test('climbs above the last strategy when the same error repeated', () => {
      const stats = [row('reask', 50, 45)];
      const choice = chooseStrategy(chooserInput({ stats, triedThisStep: ['local-repair', 'reask'], signatureRepeats: 2 }));

      expect(choice.strategy).toBe('regenerate');
      expect(choice.reason).toMatch(/^same error 2x after reask, climbing the ladder; /);
    });

    test('does not climb below the loop threshold', () => {
      const stats = [row('reask', 50, 45)];

      expect(chooseStrategy(chooserInput({ stats, triedThisStep: ['reask'], signatureRepeats: 1 })).strategy).toBe('reask');
    });

    test('uses the given loop threshold', () => {
      const input = chooserInput({ triedThisStep: ['reask'], signatureRepeats: 2, loopThreshold: 3, applicable: ['reask', 'regenerate'] });

      expect(chooseStrategy(input).strategy).toBe('reask');
    });

    test('rolls back when the loop started on the last applicable rung', () => {
      const input = chooserInput({ applicable: ['reask', 'regenerate'], triedThisStep: ['regenerate'], signatureRepeats: 2 });

      expect(chooseStrategy(input)).toEqual({ strategy: 'rollback', reason: 'same error 2x after regenerate, climbing the ladder; ladder exhausted' });
    });
  });

  describe('per-step try limit', () => {
    test('skips a strategy tried twice this step', () => {
      const stats = [row('reask', 50, 45)];
      const choice = chooseStrategy(chooserInput({ stats, applicable: ['reask', 'regenerate'], triedThisStep: ['reask', 'reask'] }));

      expect(choice.strategy).toBe('regenerate');
      expect(choice.reason).toMatch(/^reask already tried 2x; /);
    });

    test('allows it again when nothing else is left', () => {
      const choice = chooseStrategy(chooserInput({ applicable: ['reask'], triedThisStep: ['reask', 'reask'] }));

      expect(choice.strategy).toBe('reask');
      expect(choice.reason).toMatch(/^every candidate already tried 2x; /);
    });
  });

  test('rolls back with "ladder exhausted" when nothing is applicable', () => {
    expect(chooseStrategy(chooserInput({ applicable: [] }))).toEqual({ strategy: 'rollback', reason: 'ladder exhausted' });
  });

  test('gives the same choice for the same input and leaves the input untouched', () => {
    const input = chooserInput({
      applicable: ['regenerate', 'reask', 'local-repair'],
      triedThisStep: ['local-repair', 'reask'],
      signatureRepeats: 2,
      stats: [row('regenerate', 6, 3), row('decompose', 2, 2)],
      explorationRoll: 0.02,
    });
    const snapshot = structuredClone(input);

    expect(chooseStrategy(input)).toEqual(chooseStrategy(structuredClone(input)));
    expect(input).toEqual(snapshot);
  });
});
