import type { z } from 'zod';
import { outputSchema, OutputSchemaName } from './output-schemas';

/** How a model answer failed validation: each kind is its own failure class in analytics. */
export type OutputFaultKind = 'empty-answer' | 'malformed-json' | 'schema-violation';

export type Validation =
  | { ok: true; value: unknown }
  | { ok: false; kind: OutputFaultKind; errors: string[] };

/** Parses a raw model answer and checks it against `schema`: empty, malformed or violating. Pure. */
export function parseAndCheck(schema: z.ZodType, raw: string): Validation {
  if (raw.trim() === '') return { ok: false, kind: 'empty-answer', errors: ['the answer was empty'] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, kind: 'malformed-json', errors: [`the answer is not valid JSON (${reason})`] };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`);
  return { ok: false, kind: 'schema-violation', errors };
}

/** Parses and validates a raw model answer against a named output schema. Pure. */
export function validateOutput(schema: OutputSchemaName, raw: string): Validation {
  return parseAndCheck(outputSchema(schema), raw);
}
