import { extractObject, removeTrailingCommas, stripCodeFence } from '../../../src/healing/json-text';

describe('stripCodeFence', () => {
  test.each([
    ['a json fence', '```json\n{"a":1}\n```', '{"a":1}\n'],
    ['a fence after prose', 'Here:\n```\n{"a":1}```\nbye', '{"a":1}'],
    ['an unclosed fence, to the end', '```json\n{"a":1', '{"a":1'],
    ['no fence', '{"a":1}', undefined],
    ['a fence inside the object', '{"a":"```x```"}', undefined],
  ])('%s', (_case, text, content) => {
    expect(stripCodeFence(text)).toBe(content);
  });
});

describe('extractObject', () => {
  test.each([
    ['prose around the object', 'ok: {"a": {"b": [1]}} done', { before: 'ok: ', object: '{"a": {"b": [1]}}', after: ' done' }],
    ['braces inside strings', '{"a": "}{"} x', { before: '', object: '{"a": "}{"}', after: ' x' }],
    ['escaped quotes inside strings', '{"a": "say \\"}\\" now"} x', { before: '', object: '{"a": "say \\"}\\" now"}', after: ' x' }],
    ['a truncated object', 'ok: {"a": [1, 2', undefined],
    ['mismatched brackets', '{"a": 1]', undefined],
    ['no object', 'no json here', undefined],
  ])('handles %s', (_case, text, expected) => {
    expect(extractObject(text)).toEqual(expected);
  });
});

describe('removeTrailingCommas', () => {
  test.each([
    ['before } and ]', '{"a": [1, 2,], }', '{"a": [1, 2] }', 2],
    ['across newlines', '{"a": 1,\n}', '{"a": 1\n}', 1],
    ['never inside strings', '{"a": ",]", "b": "\\",}"}', '{"a": ",]", "b": "\\",}"}', 0],
    ['never between values', '[1, 2]', '[1, 2]', 0],
  ])('removes commas %s', (_case, text, cleaned, removed) => {
    expect(removeTrailingCommas(text)).toEqual({ text: cleaned, removed });
  });
});
