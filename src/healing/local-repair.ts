import { coerceOnce } from './coerce';
import { extractObject, removeTrailingCommas, stripCodeFence } from './json-text';
import { outputSchema, OutputSchemaName } from './output-schemas';
import { validateOutput } from './validate';

/** A model answer repaired without a model call. */
export interface LocalRepair {
  /** The repaired answer; it passes `validateOutput`. */
  text: string;
  /** What was done, in order, for the heal attempt's record. */
  changes: string[];
}

/** Coercion passes: a wrapped string can reveal an issue inside it, nothing needs more. */
const MAX_COERCION_PASSES = 3;

/**
 * Repairs a model answer where that is safe, and never invents content: strips markdown code
 * fences, drops prose around the first JSON object, removes trailing commas, then coerces obvious
 * types the schema asks for (numeric string → number, "true"/"false" → boolean, one string →
 * list of one string, number → string). A truncated object is not closed and missing fields are
 * not filled in: the answer is then undefined, as it is whenever the result still fails
 * validation. A valid answer comes back with no changes.
 *
 * For schema violations only the coercions can matter: the JSON already parsed.
 */
export function repairLocally(raw: string, schema: OutputSchemaName): LocalRepair | undefined {
  const changes: string[] = [];
  let text = raw.trim();
  if (text === '') return undefined;

  const fenced = stripCodeFence(text);
  if (fenced !== undefined) {
    changes.push('removed markdown code fences');
    text = fenced.trim();
  }

  const found = extractObject(text);
  if (!found) return undefined;
  if (found.before.trim() !== '') changes.push('dropped prose before the JSON object');
  if (found.after.trim() !== '') changes.push('dropped text after the JSON object');

  const cleaned = removeTrailingCommas(found.object);
  if (cleaned.removed > 0) changes.push(`removed ${cleaned.removed} trailing comma${cleaned.removed === 1 ? '' : 's'}`);
  text = cleaned.text;

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }

  let coercions = 0;
  for (let pass = 0; pass < MAX_COERCION_PASSES; pass++) {
    const done = coerceOnce(outputSchema(schema), json);
    if (done.length === 0) break;
    changes.push(...done);
    coercions += done.length;
  }
  if (coercions > 0) text = JSON.stringify(json);

  return validateOutput(schema, text).ok ? { text, changes } : undefined;
}
