import { z } from 'zod';

/**
 * Type coercions of parsed JSON guided by a schema's `invalid_type` issues. Only conversions
 * whose meaning is unambiguous: the value is kept, only its JSON type changes.
 */

type JsonPath = readonly PropertyKey[];

const NUMERIC = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    const inner: unknown = schema.unwrap();
    return inner instanceof z.ZodType ? unwrap(inner) : schema;
  }
  return schema;
}

/** The sub-schema that validates the value at `path`, if the schema is plain objects and arrays. */
export function schemaAt(schema: z.ZodType, path: JsonPath): z.ZodType | undefined {
  let current: unknown = unwrap(schema);
  for (const key of path) {
    if (current instanceof z.ZodObject && typeof key === 'string') current = current.shape[key];
    else if (current instanceof z.ZodArray && typeof key === 'number') current = current.element;
    else return undefined;
    if (!(current instanceof z.ZodType)) return undefined;
    current = unwrap(current);
  }
  return current instanceof z.ZodType ? current : undefined;
}

function isContainer(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null;
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let current = root;
  for (const key of path) {
    if (!isContainer(current)) return undefined;
    current = current[key];
  }
  return current;
}

function describePath(path: JsonPath): string {
  return path.length ? path.map(String).join('.') : '(root)';
}

/** What `value` becomes for a schema expecting `expected` at this place, or undefined if unsafe. */
function coerced(value: unknown, expected: string, target: z.ZodType | undefined): { value: unknown; what: string } | undefined {
  if (expected === 'number' && typeof value === 'string' && NUMERIC.test(value.trim())) {
    return { value: Number(value.trim()), what: 'numeric string to number' };
  }
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return { value: value.trim().toLowerCase() === 'true', what: 'string to boolean' };
  }
  if (expected === 'string' && typeof value === 'number' && Number.isFinite(value)) {
    return { value: String(value), what: 'number to string' };
  }
  const element: unknown = target instanceof z.ZodArray ? target.element : undefined;
  const listOfStrings = element instanceof z.ZodType && unwrap(element) instanceof z.ZodString;
  if (expected === 'array' && typeof value === 'string' && listOfStrings) {
    return { value: [value], what: 'single string to a list of one string' };
  }
  return undefined;
}

/**
 * One pass of coercions over `root` (mutated: it is the caller's freshly parsed copy).
 * Returns the human-readable changes; none when nothing was safe to coerce.
 */
export function coerceOnce(schema: z.ZodType, root: unknown): string[] {
  const parsed = schema.safeParse(root);
  if (parsed.success) return [];
  const changes: string[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code !== 'invalid_type' || issue.path.length === 0) continue;
    const parent = valueAt(root, issue.path.slice(0, -1));
    const key = issue.path[issue.path.length - 1];
    if (!isContainer(parent)) continue;
    const fix = coerced(parent[key], issue.expected, schemaAt(schema, issue.path));
    if (!fix) continue;
    parent[key] = fix.value;
    changes.push(`coerced ${describePath(issue.path)} from ${fix.what}`);
  }
  return changes;
}
