import { ModelError } from '../../../src/llm/errors';
import { ModelRequest } from '../../../src/llm/provider';
import { SimModel, SimProvider } from '../../../src/llm/sim';
import { OUTPUT_SCHEMA_NAMES } from '../../../src/healing/output-schemas';
import { validateOutput } from '../../../src/healing/validate';
import { repairLocally } from '../../../src/healing/local-repair';

const prompt = (goal: string, taskType = 'research', temperature = 0.2): ModelRequest => ({
  messages: [{ role: 'user', content: `Goal: ${goal}\nStep 1 of 1.` }],
  temperature,
  taskType,
});

describe('sim model', () => {
  test('an identical request gets the identical answer, including an identical output fault', () => {
    const sim = new SimModel({ seed: 7, faults: { malformedJson: 0.3, schemaViolation: 0.3 } });
    for (let i = 0; i < 50; i++) {
      const request = prompt(`goal ${i}`);
      expect(sim.decide(request)).toEqual(sim.decide(request));
    }
  });

  test('the answer changes with the prompt, the temperature, the model and the seed', () => {
    const sim = new SimModel({ seed: 7 });
    const base = sim.decide(prompt('pricing')).text;
    expect(sim.decide(prompt('pricing strategy')).text).not.toBe(base);
    expect(sim.decide(prompt('pricing', 'research', 0.5)).text).not.toBe(base);
    expect(sim.decide({ ...prompt('pricing'), model: 'sim-2' }).text).not.toBe(base);
    expect(new SimModel({ seed: 8 }).decide(prompt('pricing')).text).not.toBe(base);
  });

  test.each(OUTPUT_SCHEMA_NAMES)('a fault-free answer for %s validates against its schema', (schema) => {
    const sim = new SimModel({ seed: 3 });
    for (let i = 0; i < 30; i++) expect(validateOutput(schema, sim.decide(prompt(`topic ${i}`, schema)).text)).toEqual(expect.objectContaining({ ok: true }));
  });

  test('malformed answers break JSON the ways real models do, and only a cut-off answer is beyond local repair', () => {
    const sim = new SimModel({ seed: 5, faults: { malformedJson: 1 } });
    const seen = { fenced: 0, trailingComma: 0, prose: 0, truncated: 0 };
    for (let i = 0; i < 400; i++) {
      const text = sim.decide(prompt(`goal ${i}`)).text;
      expect(validateOutput('research', text)).toEqual(expect.objectContaining({ ok: false, kind: 'malformed-json' }));
      const repaired = repairLocally(text, 'research');
      if (text.startsWith('```json')) seen.fenced++;
      else if (/,\n}$/.test(text)) seen.trailingComma++;
      else if (text.endsWith('anything else.')) seen.prose++;
      else seen.truncated++;
      const truncated = !text.startsWith('```') && !/,\n}$/.test(text) && !text.endsWith('anything else.');
      expect(repaired !== undefined).toBe(!truncated);
    }
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(60);
  });

  test('output faults occur at their configured rates and fail validation the way they claim', () => {
    const sim = new SimModel({ seed: 11, faults: { malformedJson: 0.2, schemaViolation: 0.1, emptyAnswer: 0.1 } });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2_000; i++) {
      const decision = sim.decide(prompt(`goal ${i}`));
      const validation = validateOutput('research', decision.text);
      const kind = validation.ok ? 'valid' : validation.kind;
      expect(kind).toBe(decision.outputFault ?? 'valid');
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(counts['malformed-json'] / 2_000).toBeCloseTo(0.2, 1);
    expect(counts['schema-violation'] / 2_000).toBeCloseTo(0.1, 1);
    expect(counts['empty-answer'] / 2_000).toBeCloseTo(0.1, 1);
  });

  test('a rule injects its fault only while the prompt matches it', () => {
    const sim = new SimModel({ seed: 1, rules: [{ whenPromptIncludes: 'Step 1 of 1', unlessPromptIncludes: 'rejected', fault: 'empty-answer' }] });
    expect(sim.decide(prompt('x')).text).toBe('');
    const reask = prompt('x');
    reask.messages.push({ role: 'user', content: 'Your answer was rejected by validation' });
    expect(sim.decide(reask).outputFault).toBeUndefined();
  });

  test('transport faults: 429 and 500 are retryable errors, a hang ends in a timeout', async () => {
    const always = (fault: 'rateLimit' | 'serverError' | 'hang') => new SimProvider(new SimModel({ seed: 1, faults: { [fault]: 1 } }, () => 0), 200);
    await expect(always('rateLimit').complete(prompt('x'))).rejects.toMatchObject({ kind: 'rate-limit', retryable: true, details: { status: 429 } });
    await expect(always('serverError').complete(prompt('x'))).rejects.toMatchObject({ kind: 'server-error', retryable: true });
    const hang = await always('hang').complete(prompt('x')).catch((e: unknown) => e);
    expect(hang).toBeInstanceOf(ModelError);
    expect(hang).toMatchObject({ kind: 'timeout' });
  });

  test('transport faults are random per call, not tied to the prompt', async () => {
    let calls = 0;
    const provider = new SimProvider(new SimModel({ seed: 1, faults: { serverError: 0.5 } }, () => (calls++ % 2 === 0 ? 0.1 : 0.9)), 1_000);
    await expect(provider.complete(prompt('same'))).rejects.toBeInstanceOf(ModelError);
    await expect(provider.complete(prompt('same'))).resolves.toMatchObject({ provider: 'sim' });
  });
});
