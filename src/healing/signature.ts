/**
 * Signatures of validation failures: "the same wrong answer again" is recognised even when the
 * values in it differ (another index, another number, another quoted fragment).
 */

const JSON_SNIPPET = /\{[^{}]*\}|\[[^[\]]*\]/g;
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const NUMBER = /\d+(?:\.\d+)?/g;

/** One error message with its values replaced by placeholders. */
export function normalizeError(message: string): string {
  let text = message;
  // Innermost brackets first, until none are left, so nested snippets collapse into one placeholder.
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(JSON_SNIPPET, '<json>');
  }
  return text.replace(QUOTED, '<str>').replace(NUMBER, '<n>').replace(/\s+/g, ' ').trim();
}

/** A stable signature of a validation failure: its kind and its distinct normalised messages, sorted. */
export function errorSignature(kind: string, errors: string[]): string {
  const messages = [...new Set(errors.map(normalizeError))].sort();
  return [kind, ...messages].join(' | ');
}

/** How many times in a row `signature` occurs at the end of `history` (0 when the last entry differs). */
export function repeats(history: readonly string[], signature: string): number {
  let count = 0;
  for (let i = history.length - 1; i >= 0 && history[i] === signature; i--) count++;
  return count;
}
