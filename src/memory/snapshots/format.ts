import { z } from 'zod';
import { DreamError } from '../../errors';
import { MEMORY_ERRORS } from '../errors';
import type { ExportRow } from '../rows';
import type { MemoryEntry } from '../types';
import { LIMITS } from '../validate';

export const SNAPSHOT_FORMAT = 'dreamos-memory-snapshot';
/** Version 2: JSON lines (header, one line per entry, trailer). Version 1, one JSON document, is still read. */
export const SNAPSHOT_VERSION = 2;
export const SNAPSHOT_V1 = 1;

/**
 * The longest line a reader accepts. An entry line is at most about 6 MB (a million characters of
 * content, each escaped as \uXXXX); the header holds the namespace list. Anything longer is damage,
 * and refusing it keeps a reader's memory bounded.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A namespace, key or role. */
export const nameSchema = z.string().min(1).max(LIMITS.nameChars);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');

export const snapshotEntrySchema = z.strictObject({
  namespace: nameSchema,
  key: nameSchema,
  kind: z.enum(['short', 'long']),
  content: z.string().max(LIMITS.contentChars),
  tags: z.array(z.string().min(1).max(LIMITS.tagChars)).max(LIMITS.tags),
  importance: z.number().min(0).max(1),
  role: nameSchema.nullable(),
  createdAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
});

/** The first line of a version 2 snapshot. */
export const headerSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  createdAt: z.string().min(1),
  /** The namespaces the snapshot covers, even empty ones: import replaces exactly these. */
  namespaces: z.array(nameSchema),
});

/** The last line of a version 2 snapshot: the entry count and the sha256 (hex) of every byte before this line. */
export const trailerSchema = z.strictObject({
  entries: z.number().int().nonnegative(),
  checksum: sha256,
});

export type SnapshotHeader = z.infer<typeof headerSchema>;
export type SnapshotTrailer = z.infer<typeof trailerSchema>;

/** How far a long export or import has come, reported about once per megabyte. */
export interface SnapshotProgress {
  entries: number;
  bytes: number;
  /** The file's size on import; on export, undefined (the count of entries to write is `totalEntries`). */
  totalBytes?: number;
  totalEntries?: number;
}

export type ProgressListener = (progress: SnapshotProgress) => void;

const isName = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.nameChars;
const isTag = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.tagChars;
const isTimestamp = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const ENTRY_FIELDS = Object.keys(snapshotEntrySchema.shape).length;

/**
 * Whether an entry passes `snapshotEntrySchema`, never accepting one it rejects. Checked by hand
 * because zod takes about as long as parsing the line; zod still describes any entry this rejects.
 */
export function isSnapshotEntry(entry: unknown): entry is MemoryEntry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
  const e = entry as Record<string, unknown>;
  return (
    Object.keys(e).length === ENTRY_FIELDS &&
    isName(e.namespace) &&
    isName(e.key) &&
    (e.kind === 'short' || e.kind === 'long') &&
    typeof e.content === 'string' &&
    e.content.length <= LIMITS.contentChars &&
    Array.isArray(e.tags) &&
    e.tags.length <= LIMITS.tags &&
    e.tags.every(isTag) &&
    typeof e.importance === 'number' &&
    e.importance >= 0 &&
    e.importance <= 1 &&
    (e.role === null || isName(e.role)) &&
    isTimestamp(e.createdAt) &&
    isTimestamp(e.updatedAt)
  );
}

/** zod's issues as one short phrase: the first three, each with its path. */
export function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** One entry as JSON, with its keys in the canonical order. */
export function canonicalEntry(entry: MemoryEntry): string {
  return JSON.stringify({
    namespace: entry.namespace,
    key: entry.key,
    kind: entry.kind,
    content: entry.content,
    tags: entry.tags,
    importance: entry.importance,
    role: entry.role,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  });
}

/** `canonicalEntry` of each exported row (see EXPORT_LINE): the same text without an intermediate object. */
export function* canonicalLines(rows: Iterable<ExportRow>): Generator<string> {
  for (const [head, importance, tail] of rows) yield head + JSON.stringify(importance) + tail;
}

export const REEXPORT = 'Export the snapshot again with `dreamos memory export <file>`, or restore the file from a backup.';

export function snapshotError(code: string, file: string, problem: string, fix: string, cause?: unknown): DreamError {
  return new DreamError(code, `Memory snapshot ${file} ${problem}`, fix, { cause });
}

export function wrongFormat(file: string, format: unknown): DreamError {
  return snapshotError(MEMORY_ERRORS.snapshotWrongFormat, file, `is not a Dream.OS memory snapshot: its "format" is ${JSON.stringify(format) ?? 'missing'}, expected "${SNAPSHOT_FORMAT}".`, 'Pass a file written by `dreamos memory export`.');
}

export function wrongVersion(file: string, version: unknown, problem = `this Dream.OS reads versions ${SNAPSHOT_V1} and ${SNAPSHOT_VERSION} only`): DreamError {
  const newer = typeof version === 'number' && version > SNAPSHOT_VERSION;
  return snapshotError(MEMORY_ERRORS.snapshotWrongVersion, file, `has snapshot version ${JSON.stringify(version) ?? 'missing'}; ${problem}.`, newer ? 'Upgrade Dream.OS to the release that wrote the snapshot.' : REEXPORT);
}

export function duplicateKey(file: string, namespace: string, key: string): DreamError {
  return snapshotError(MEMORY_ERRORS.snapshotInvalid, file, `lists key "${key}" of namespace "${namespace}" twice.`, REEXPORT);
}

export function uncoveredNamespace(file: string, namespace: string, where: string): DreamError {
  return snapshotError(MEMORY_ERRORS.snapshotInvalid, file, `has an entry of namespace "${namespace}"${where}, which its "namespaces" does not list.`, REEXPORT);
}

export function repeatedNamespace(file: string): DreamError {
  return snapshotError(MEMORY_ERRORS.snapshotInvalid, file, 'lists a namespace twice in "namespaces".', REEXPORT);
}

/** Checks a snapshot's declared format and version, the first things a reader of either version looks at. */
export function checkFormat(file: string, doc: unknown, version: number, otherVersion: (found: unknown) => DreamError = (found) => wrongVersion(file, found)): void {
  const header = (typeof doc === 'object' && doc !== null ? doc : {}) as { format?: unknown; version?: unknown };
  if (header.format !== SNAPSHOT_FORMAT) throw wrongFormat(file, header.format);
  if (header.version !== version) throw otherVersion(header.version);
}
