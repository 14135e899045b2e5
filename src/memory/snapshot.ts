import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DreamError } from '../errors';
import { MEMORY_ERRORS } from './errors';
import type { ExportRow } from './rows';
import type { MemoryEntry } from './types';
import { LIMITS } from './validate';

export const SNAPSHOT_FORMAT = 'dreamos-memory-snapshot';
export const SNAPSHOT_VERSION = 1;

const name = z.string().min(1).max(LIMITS.nameChars);

const snapshotEntrySchema = z.strictObject({
  namespace: name,
  key: name,
  kind: z.enum(['short', 'long']),
  content: z.string().max(LIMITS.contentChars),
  tags: z.array(z.string().min(1).max(LIMITS.tagChars)).max(LIMITS.tags),
  importance: z.number().min(0).max(1),
  role: name.nullable(),
  createdAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
});

const snapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  createdAt: z.string().min(1),
  checksum: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
  /** The namespaces the snapshot covers, even empty ones: import replaces exactly these. */
  namespaces: z.array(name),
  entries: z.array(snapshotEntrySchema),
});

/** The snapshot with its entries unchecked: they are checked by `isSnapshotEntry` first, and by zod only when that fails. */
const envelopeSchema = snapshotSchema.extend({ entries: z.array(z.unknown()) });

const isName = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.nameChars;
const isTag = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.tagChars;
const isTimestamp = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const ENTRY_FIELDS = Object.keys(snapshotEntrySchema.shape).length;

/**
 * Whether an entry passes `snapshotEntrySchema`, never accepting one it rejects. Checked by hand
 * because zod takes about a second per 100k entries; zod still describes any entry this rejects.
 */
function isSnapshotEntry(entry: unknown): entry is MemoryEntry {
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

/** The snapshot's fields, or undefined with zod's issues when any is invalid. */
function parseSnapshot(doc: unknown): { data: Snapshot & { checksum: string }; issues?: undefined } | { data?: undefined; issues: z.core.$ZodIssue[] } {
  const envelope = envelopeSchema.safeParse(doc);
  if (envelope.success && envelope.data.entries.every(isSnapshotEntry)) return { data: { ...envelope.data, entries: envelope.data.entries } };
  const parsed = snapshotSchema.safeParse(doc);
  return parsed.success ? { data: parsed.data } : { issues: parsed.error.issues };
}

/** A verified snapshot, ready to apply. */
export interface Snapshot {
  namespaces: string[];
  entries: MemoryEntry[];
}

/** One entry as JSON, with its keys in the canonical order the checksum is computed over. */
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

/** `canonicalEntry` of an exported row (see EXPORT_LINE): the same text without an intermediate object. */
export function canonicalRow([head, importance, tail]: ExportRow): string {
  return head + JSON.stringify(importance) + tail;
}

/**
 * sha256 (hex) of the canonical content JSON, `{"namespaces":[...],"entries":[...]}` with no
 * whitespace — what `JSON.stringify({ namespaces, entries })` of the parsed file gives.
 */
export function checksumOf(namespaces: string[], canonicalEntries: string[]): string {
  const hash = createHash('sha256').update(`{"namespaces":${JSON.stringify(namespaces)},"entries":[`);
  canonicalEntries.forEach((entry, i) => hash.update(i === 0 ? entry : `,${entry}`));
  return hash.update(']}').digest('hex');
}

const ENTRIES_START = ',"entries":[';

/**
 * The checksum of a snapshot's text as `renderSnapshot` lays it out — its entries array, line
 * breaks removed, is then their canonical JSON — to spare re-serialising every entry. Sound: when
 * it equals the recorded checksum, that text is the canonical JSON the export hashed, and the text
 * is valid JSON, so the entries parsed from it are the exported ones. Any other layout gives
 * another hash, and the caller then hashes the re-serialised entries.
 */
function checksumOfExportedText(text: string, namespaces: string[]): string {
  const start = text.indexOf(ENTRIES_START);
  const end = text.lastIndexOf(']}');
  const body = start < 0 || end < start ? '' : text.slice(start + ENTRIES_START.length, end).replaceAll('\n', '');
  return createHash('sha256').update(`{"namespaces":${JSON.stringify(namespaces)}${ENTRIES_START}`).update(body).update(']}').digest('hex');
}

/** The snapshot file text: one entry per line, so snapshots diff and grep well. */
export function renderSnapshot(namespaces: string[], canonicalEntries: string[], createdAt: Date): { text: string; checksum: string } {
  const checksum = checksumOf(namespaces, canonicalEntries);
  const head = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, createdAt: createdAt.toISOString(), checksum, namespaces });
  const body = canonicalEntries.length === 0 ? '[]' : `[\n${canonicalEntries.join(',\n')}\n]`;
  return { text: `${head.slice(0, -1)},"entries":${body}}\n`, checksum };
}

/** Writes a file so readers see the old or the new content, never a part: temp file, fsync, rename, fsync folder. */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

function snapshotError(code: string, file: string, problem: string, fix: string, cause?: unknown): DreamError {
  return new DreamError(code, `Memory snapshot ${file} ${problem}`, fix, { cause });
}

const REEXPORT = 'Export the snapshot again with `dreamos memory export <file>`, or restore the file from a backup.';

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const position = Number(/position (\d+)/.exec(String(err))?.[1] ?? NaN);
    const atEnd = /end of JSON input/.test(String(err)) || position >= text.trimEnd().length;
    if (text.trimStart().startsWith('{') && atEnd) {
      throw snapshotError(MEMORY_ERRORS.snapshotTruncated, file, `is truncated: the JSON ends after ${text.length} bytes, in the middle of the document.`, `The copy or export was cut short. ${REEXPORT}`, err);
    }
    throw snapshotError(MEMORY_ERRORS.snapshotNotJson, file, `is not valid JSON (${String(err).replace(/^SyntaxError: /, '')}).`, `Pass a file written by \`dreamos memory export\`. ${REEXPORT}`, err);
  }
}

function checkHeader(file: string, doc: unknown): void {
  const header = (typeof doc === 'object' && doc !== null ? doc : {}) as { format?: unknown; version?: unknown };
  if (header.format !== SNAPSHOT_FORMAT) {
    throw snapshotError(MEMORY_ERRORS.snapshotWrongFormat, file, `is not a Dream.OS memory snapshot: its "format" is ${JSON.stringify(header.format) ?? 'missing'}, expected "${SNAPSHOT_FORMAT}".`, `Pass a file written by \`dreamos memory export\`.`);
  }
  if (header.version !== SNAPSHOT_VERSION) {
    const newer = typeof header.version === 'number' && header.version > SNAPSHOT_VERSION;
    throw snapshotError(
      MEMORY_ERRORS.snapshotWrongVersion,
      file,
      `has snapshot version ${JSON.stringify(header.version) ?? 'missing'}; this Dream.OS reads version ${SNAPSHOT_VERSION} only.`,
      newer ? 'Upgrade Dream.OS to the release that wrote the snapshot.' : REEXPORT,
    );
  }
}

/**
 * Reads and fully verifies a snapshot — JSON, format, version, every entry, checksum, unique keys,
 * covered namespaces — before anything touches a database. Every failure is a DreamError naming the problem.
 */
export function readSnapshot(file: string): Snapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw snapshotError(MEMORY_ERRORS.snapshotUnreadable, file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`, 'Check the path and its permissions.', err);
  }
  const doc = parseJson(file, text);
  checkHeader(file, doc);
  const parsed = parseSnapshot(doc);
  if (parsed.issues !== undefined) {
    const issues = parsed.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw snapshotError(MEMORY_ERRORS.snapshotInvalid, file, `has ${parsed.issues.length} invalid field(s): ${issues.join('; ')}.`, `The file was edited or damaged. ${REEXPORT}`);
  }
  const { namespaces, entries } = parsed.data;
  const actual = () => checksumOf(namespaces, entries.map(canonicalEntry));
  if (checksumOfExportedText(text, namespaces) !== parsed.data.checksum && actual() !== parsed.data.checksum) {
    throw snapshotError(MEMORY_ERRORS.snapshotChecksum, file, `fails its checksum: it records ${parsed.data.checksum} but its entries hash to ${actual()}, so they changed after export.`, `The file was edited or damaged. ${REEXPORT}`);
  }
  const covered = new Set(namespaces);
  if (covered.size !== namespaces.length) throw snapshotError(MEMORY_ERRORS.snapshotInvalid, file, 'lists a namespace twice in "namespaces".', REEXPORT);
  const seen = new Map<string, Set<string>>(namespaces.map((ns) => [ns, new Set<string>()]));
  for (const { namespace, key } of entries) {
    const keys = seen.get(namespace);
    if (keys === undefined) throw snapshotError(MEMORY_ERRORS.snapshotInvalid, file, `has an entry of namespace "${namespace}", which its "namespaces" does not list.`, REEXPORT);
    if (keys.has(key)) throw snapshotError(MEMORY_ERRORS.snapshotInvalid, file, `lists key "${key}" of namespace "${namespace}" twice.`, REEXPORT);
    keys.add(key);
  }
  return { namespaces, entries };
}
