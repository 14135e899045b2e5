import { errorSignature, normalizeError, repeats } from '../../../src/healing/signature';

describe('normalizeError', () => {
  test.each([
    ['digits', 'findings.0.claim: Too small: expected string to have >=3 characters', 'findings.<n>.claim: Too small: expected string to have >=<n> characters'],
    ['decimals', 'confidence: expected <=1, received 1.5', 'confidence: expected <=<n>, received <n>'],
    ['double-quoted values', 'Unexpected token \'S\', "Sure {"a"}" is not valid JSON', 'Unexpected token <str>, <str> is not valid JSON'],
    ['JSON snippets, nested ones too', 'got {"a": [1, {"b": 2}]} instead', 'got <json> instead'],
    ['runs of whitespace', 'a   b\n c', 'a b c'],
  ])('replaces %s by placeholders', (_case, message, normalized) => {
    expect(normalizeError(message)).toBe(normalized);
  });
});

describe('errorSignature', () => {
  test('is the same when only the values in the messages differ', () => {
    const first = errorSignature('schema-violation', ['score: expected <=10, received 12', 'findings.0.claim: too short']);
    const second = errorSignature('schema-violation', ['findings.3.claim: too short', 'score: expected <=10, received 15']);

    expect(first).toBe(second);
  });

  test('differs when the kind differs', () => {
    expect(errorSignature('malformed-json', ['x'])).not.toBe(errorSignature('schema-violation', ['x']));
  });

  test('differs when a different field fails', () => {
    expect(errorSignature('schema-violation', ['score: too big'])).not.toBe(errorSignature('schema-violation', ['issues: too big']));
  });

  test('counts the same normalised message once, so one bad item or three look alike', () => {
    const one = errorSignature('schema-violation', ['findings.0.claim: too short']);
    const three = errorSignature('schema-violation', ['findings.0.claim: too short', 'findings.1.claim: too short', 'findings.2.claim: too short']);

    expect(three).toBe(one);
  });
});

describe('repeats', () => {
  test.each([
    [[], 'A', 0],
    [['A'], 'A', 1],
    [['A', 'A', 'A'], 'A', 3],
    [['A', 'B', 'A', 'A'], 'A', 2],
    [['A', 'A', 'B'], 'A', 0],
  ])('in %j, %s repeats %i times at the end', (history, signature, count) => {
    expect(repeats(history, signature)).toBe(count);
  });
});
