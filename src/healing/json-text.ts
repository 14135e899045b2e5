/**
 * Text-level clean-ups of a model answer that might hold one JSON object. Each is safe: it removes
 * wrapping, never adds content, and leaves the inside of JSON strings alone.
 */

const FENCE = /```[A-Za-z0-9_-]*[ \t]*\r?\n?([\s\S]*?)(?:```|$)/;

/**
 * The content of the markdown code fence that opens before the first `{`, or undefined when there
 * is none (a fence inside a JSON string is content, not wrapping). An unclosed fence runs to the end.
 */
export function stripCodeFence(text: string): string | undefined {
  const match = FENCE.exec(text);
  if (!match) return undefined;
  const brace = text.indexOf('{');
  return brace < 0 || match.index < brace ? match[1] : undefined;
}

/**
 * Index of the `}` that closes the `{` at `start`, or -1 when the object never closes
 * (a truncated answer: it is not ours to finish).
 */
export function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return ch === '}' ? i : -1;
    }
  }
  return -1;
}

/** The first balanced `{...}` of the text with what surrounds it, or undefined when there is none. */
export function extractObject(text: string): { before: string; object: string; after: string } | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  const end = matchingBrace(text, start);
  if (end < 0) return undefined;
  return { before: text.slice(0, start), object: text.slice(start, end + 1), after: text.slice(end + 1) };
}

/** Removes commas that directly precede a `}` or `]` outside strings; reports how many. */
export function removeTrailingCommas(text: string): { text: string; removed: number } {
  let out = '';
  let removed = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\' && i + 1 < text.length) out += text[++i];
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    if (ch === ',' && /^\s*[}\]]/.test(text.slice(i + 1))) {
      removed++;
      continue;
    }
    out += ch;
  }
  return { text: out, removed };
}
