import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import {
  chooseStrategy,
  decompose,
  errorSignature,
  regenerate,
  repairLocally,
  StepPromptInput,
} from '../../../src/healing';

const HEALING_DIR = join(__dirname, '../../../src/healing');

const input: StepPromptInput = {
  missionId: 'm-1',
  role: 'analyst',
  goal: 'Weigh the risks',
  outputSchema: 'analysis',
  step: 0,
  steps: 1,
  previousOutputs: [{ summary: 'earlier' }],
  hints: ['be brief'],
};

describe('the healer is deterministic', () => {
  test.each<[string, () => unknown]>([
    ['repairLocally', () => repairLocally('```json\n{"answer": 3, "confidence": "0.5",}\n```', 'answer')],
    ['errorSignature', () => errorSignature('schema-violation', ['b: 1', 'a: "x"'])],
    ['regenerate', () => regenerate(input, ['summary: too short'])],
    ['decompose', () => decompose(input)],
    [
      'chooseStrategy',
      () =>
        chooseStrategy({
          failureClass: 'malformed-json',
          role: 'analyst',
          model: 'big',
          applicable: ['local-repair', 'reask', 'rollback'],
          triedThisStep: ['local-repair'],
          signatureRepeats: 1,
          stats: [{ failureClass: 'malformed-json', role: 'analyst', model: 'big', strategy: 'reask', attempts: 8, successes: 6 }],
          explorationRoll: 0.5,
        }),
    ],
  ])('%s gives the same output for the same input', (_name, run) => {
    expect(run()).toEqual(run());
  });
});

describe('the healer is safe to import from workflow code', () => {
  const sources = readdirSync(HEALING_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ file, text: readFileSync(join(HEALING_DIR, file), 'utf8') }));
  const ALLOWED_VALUE_IMPORT = /^(zod|\.\/[\w-]+|\.\.\/contracts\/[\w-]+)$/;

  test.each(sources.map((s) => [s.file, s.text]))('%s imports only zod, healing files and the taxonomy (types aside)', (_file, text) => {
    const valueImports = [...text.matchAll(/^(?:import|export)(?! type)[^;]*?from '([^']+)'/gms)].map((m) => m[1]);

    expect(valueImports.filter((specifier) => !ALLOWED_VALUE_IMPORT.test(specifier))).toEqual([]);
  });

  test.each(sources.map((s) => [s.file, s.text]))('%s reads no clock, randomness or process state', (_file, text) => {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

    expect(code).not.toMatch(/Date\.now|new Date\(|Math\.random|process\.|require\(|Buffer\b/);
  });
});
