import { invalidInput } from './errors';
import { MEMORY_KINDS, MemoryKind, MemoryTurn, MemoryValue, RecallQuery } from './types';

/** Limits that keep a single memory small enough to fit a prompt and a Temporal payload. */
export const LIMITS = {
  nameChars: 256,
  contentChars: 1_000_000,
  tags: 32,
  tagChars: 64,
  recallLimit: 1_000,
} as const;

export const DEFAULT_IMPORTANCE = 0.5;
export const DEFAULT_RECALL_LIMIT = 20;

/** A value with its defaults applied, ready to store. */
export interface NormalizedValue {
  kind: MemoryKind;
  content: string;
  tags: string[];
  importance: number;
  role: string | null;
}

export function checkName(what: 'namespace' | 'key' | 'checkpoint id' | 'idempotency key' | 'role', value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.nameChars) {
    throw invalidInput(`${what} must be a non-empty string of at most ${LIMITS.nameChars} characters, got ${describe(value)}.`, `Pass a ${what} such as ${EXAMPLES[what]}.`);
  }
  return value;
}

export function checkKind(value: unknown): MemoryKind {
  if (!MEMORY_KINDS.includes(value as MemoryKind)) {
    throw invalidInput(`kind must be 'short' or 'long', got ${describe(value)}.`, "Use 'long' for facts and decisions, 'short' for conversation turns.");
  }
  return value as MemoryKind;
}

export function checkImportance(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidInput(`importance must be a number from 0 to 1, got ${describe(value)}.`, 'Pass e.g. 0.2 for trivia, 0.5 for ordinary facts, 0.9 for decisions.');
  }
  return value;
}

export function checkTags(value: unknown): string[] {
  if (value === undefined) return [];
  const ok =
    Array.isArray(value) &&
    value.length <= LIMITS.tags &&
    value.every((tag) => typeof tag === 'string' && tag.length > 0 && tag.length <= LIMITS.tagChars);
  if (!ok) {
    throw invalidInput(`tags must be an array of at most ${LIMITS.tags} non-empty strings of at most ${LIMITS.tagChars} characters, got ${describe(value)}.`, 'Pass tags such as ["decision", "pricing"].');
  }
  return [...new Set(value as string[])];
}

function checkContent(value: unknown): string {
  if (typeof value !== 'string' || value.length > LIMITS.contentChars) {
    throw invalidInput(`content must be a string of at most ${LIMITS.contentChars} characters, got ${describe(value)}.`, 'Store a summary, not a whole document.');
  }
  return value;
}

export function normalizeValue(value: MemoryValue): NormalizedValue {
  if (typeof value !== 'object' || value === null) throw invalidInput(`value must be an object, got ${describe(value)}.`, 'Pass { content, tags?, importance?, kind? }.');
  return {
    kind: value.kind === undefined ? 'long' : checkKind(value.kind),
    content: checkContent(value.content),
    tags: checkTags(value.tags),
    importance: value.importance === undefined ? DEFAULT_IMPORTANCE : checkImportance(value.importance),
    role: null,
  };
}

export function normalizeTurn(turn: MemoryTurn): NormalizedValue {
  if (typeof turn !== 'object' || turn === null) throw invalidInput(`turn must be an object, got ${describe(turn)}.`, 'Pass { role, content }.');
  return {
    kind: 'short',
    content: checkContent(turn.content),
    tags: checkTags(turn.tags),
    importance: turn.importance === undefined ? DEFAULT_IMPORTANCE : checkImportance(turn.importance),
    role: checkName('role', turn.role),
  };
}

export function checkCount(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(`${what} must be an integer from ${min} to ${max}, got ${describe(value)}.`, `Pass a ${what} in that range.`);
  }
  return value;
}

/** A recall query with its defaults applied. */
export interface NormalizedRecall {
  namespaces: string[];
  tags: string[];
  text: string | undefined;
  kinds: MemoryKind[];
  minImportance: number;
  limit: number;
  maxChars: number | undefined;
}

export function normalizeRecall(query: RecallQuery): NormalizedRecall {
  if (!Array.isArray(query.namespaces) || query.namespaces.length === 0) {
    throw invalidInput('recall needs at least one namespace.', 'Pass namespaces such as ["agent:m1:t1", "mission:m1"].');
  }
  const text = query.text?.trim();
  return {
    namespaces: [...new Set(query.namespaces.map((ns) => checkName('namespace', ns)))],
    tags: checkTags(query.tags),
    text: text ? text : undefined,
    kinds: query.kinds === undefined ? [...MEMORY_KINDS] : [...new Set(query.kinds.map(checkKind))],
    minImportance: query.minImportance === undefined ? 0 : checkImportance(query.minImportance),
    limit: query.limit === undefined ? DEFAULT_RECALL_LIMIT : checkCount('limit', query.limit, 1, LIMITS.recallLimit),
    maxChars: query.maxChars === undefined ? undefined : checkCount('maxChars', query.maxChars, 0, Number.MAX_SAFE_INTEGER),
  };
}

const EXAMPLES = {
  namespace: '"agent:<mission>:<task>" or "mission:<mission>"',
  key: '"pricing-decision"',
  'checkpoint id': '"cp-2"',
  'idempotency key': '"<workflowId>:<step>:<attempt>:<purpose>"',
  role: '"user" or "assistant"',
} as const;

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
