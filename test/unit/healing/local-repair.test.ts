import { repairLocally } from '../../../src/healing/local-repair';
import { validateOutput } from '../../../src/healing/validate';

const answer = '{"answer": "Open on Elm Street", "confidence": 0.6}';

describe('repairLocally', () => {
  test.each([
    ['fenced JSON', '```json\n' + answer + '\n```', 'removed markdown code fences'],
    ['a fence without a language', '```\n' + answer + '\n```', 'removed markdown code fences'],
    ['prose before the object', 'Sure! Here is my answer: ' + answer, 'dropped prose before the JSON object'],
    ['text after the object', answer + '\nLet me know if you need more.', 'dropped text after the JSON object'],
    ['a trailing comma before }', '{"answer": "Open on Elm Street", "confidence": 0.6,}', 'removed 1 trailing comma'],
  ])('repairs %s', (_case, raw, change) => {
    const repair = repairLocally(raw, 'answer');

    expect(repair).toBeDefined();
    expect(repair?.changes).toContain(change);
    expect(validateOutput('answer', repair?.text ?? '')).toEqual({ ok: true, value: { answer: 'Open on Elm Street', confidence: 0.6 } });
  });

  test('removes trailing commas before ] and } but leaves commas inside strings alone', () => {
    const raw = '{"verdict": "revise", "score": 6, "issues": ["needs sources, ]", "too long",],}';

    const repair = repairLocally(raw, 'critique');

    expect(repair?.changes).toEqual(['removed 2 trailing commas']);
    expect(JSON.parse(repair?.text ?? '')).toEqual({ verdict: 'revise', score: 6, issues: ['needs sources, ]', 'too long'] });
  });

  test('does not mistake a fence inside a JSON string for wrapping', () => {
    const raw = '{"answer": "run ```npm test``` first", "confidence": 0.5}';

    expect(repairLocally(raw, 'answer')).toEqual({ text: raw, changes: [] });
  });

  test.each([
    ['a numeric string to a number', '{"answer": "yes", "confidence": "0.8"}', 'answer', 'confidence', 0.8, 'coerced confidence from numeric string to number'],
    ['an integer string to a number', '{"verdict": "accept", "score": " 7 ", "issues": []}', 'critique', 'score', 7, 'coerced score from numeric string to number'],
    ['a number to a string', '{"answer": 42, "confidence": 1}', 'answer', 'answer', '42', 'coerced answer from number to string'],
    ['a single string to a list of strings', '{"verdict": "revise", "score": 4, "issues": "no evidence given"}', 'critique', 'issues', ['no evidence given'], 'coerced issues from single string to a list of one string'],
  ] as const)('coerces %s where the schema asks for it', (_case, raw, schema, field, expected, change) => {
    const repair = repairLocally(raw, schema);

    expect(repair?.changes).toEqual([change]);
    expect(JSON.parse(repair?.text ?? '')[field]).toEqual(expected);
  });

  test('coerces values nested in arrays of objects', () => {
    const raw = '{"findings": [{"claim": "rents fell", "evidence": "agency data", "confidence": "0.5"}], "openQuestions": []}';

    const repair = repairLocally(raw, 'research');

    expect(repair?.changes).toEqual(['coerced findings.0.confidence from numeric string to number']);
  });

  test('applies every safe step in order and reports each', () => {
    const raw = 'Here you go:\n```json\n{"answer": "yes", "confidence": "1",}\n```';

    expect(repairLocally(raw, 'answer')?.changes).toEqual([
      'removed markdown code fences',
      'removed 1 trailing comma',
      'coerced confidence from numeric string to number',
    ]);
  });

  test.each([
    ['truncated JSON is not closed', '{"answer": "Open on Elm Street", "confidence": 0.'],
    ['an object cut off inside a nested array is not closed', '{"verdict": "revise", "score": 4, "issues": ["no sources"'],
    ['a missing field is not filled in', '{"answer": "Open on Elm Street"}'],
    ['an unknown enum value is not guessed', '{"verdict": "maybe", "score": 4, "issues": []}'],
    ['a word is not turned into a number', '{"answer": "yes", "confidence": "high"}'],
    ['a coerced value still out of range fails', '{"answer": "yes", "confidence": "7"}'],
    ['a string is not wrapped where objects are expected', '{"plan": 1, "steps": "visit shops"}'],
    ['text without any JSON object', 'I am sorry, but I cannot help with that.'],
    ['an empty answer', '   '],
    ['broken JSON inside the braces', '{"answer": yes, "confidence": 1}'],
  ])('gives up when %s', (_case, raw) => {
    const schema = raw.includes('verdict') ? 'critique' : raw.includes('steps') ? 'plan' : 'answer';

    expect(repairLocally(raw, schema)).toBeUndefined();
  });

  test('returns a valid answer unchanged', () => {
    expect(repairLocally(answer, 'answer')).toEqual({ text: answer, changes: [] });
  });
});
