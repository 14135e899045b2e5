import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { MEMORY_ERRORS } from '../errors';
import type { MemoryEntry } from '../types';
import type { DreamError } from '../../errors';
import {
  canonicalEntry,
  checkFormat,
  describeIssues,
  duplicateKey,
  isSnapshotEntry,
  nameSchema,
  REEXPORT,
  repeatedNamespace,
  SNAPSHOT_FORMAT,
  SNAPSHOT_V1,
  SNAPSHOT_VERSION,
  snapshotEntrySchema,
  snapshotError,
  uncoveredNamespace,
  wrongVersion,
} from './format';

/**
 * Version 1 snapshots: one JSON document, `{format, version, createdAt, checksum, namespaces,
 * entries: [...]}`, whose checksum is the sha256 of `{"namespaces":[...],"entries":[...]}` in
 * canonical JSON. Read whole, as the release that wrote them did; version 2 streams.
 */

/** The largest version 1 file that can be read: V8's longest string, since the document is parsed as one. */
export const V1_MAX_BYTES = bufferConstants.MAX_STRING_LENGTH;

const snapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_V1),
  createdAt: z.string().min(1),
  checksum: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
  namespaces: z.array(nameSchema),
  entries: z.array(snapshotEntrySchema),
});

/** The snapshot with its entries unchecked: they are checked by `isSnapshotEntry` first, and by zod only when that fails. */
const envelopeSchema = snapshotSchema.extend({ entries: z.array(z.unknown()) });

/** A verified version 1 snapshot, ready to apply. */
export interface SnapshotV1 {
  namespaces: string[];
  entries: MemoryEntry[];
}

type Parsed = { data: SnapshotV1 & { checksum: string }; issues?: undefined } | { data?: undefined; issues: z.core.$ZodIssue[] };

function parseSnapshot(doc: unknown): Parsed {
  const envelope = envelopeSchema.safeParse(doc);
  if (envelope.success && envelope.data.entries.every(isSnapshotEntry)) return { data: { ...envelope.data, entries: envelope.data.entries } };
  const parsed = snapshotSchema.safeParse(doc);
  return parsed.success ? { data: parsed.data } : { issues: parsed.error.issues };
}

/** sha256 (hex) of the canonical content JSON, `{"namespaces":[...],"entries":[...]}` with no whitespace. */
function checksumOf(namespaces: string[], canonicalEntries: string[]): string {
  const hash = createHash('sha256').update(`{"namespaces":${JSON.stringify(namespaces)},"entries":[`);
  canonicalEntries.forEach((entry, i) => hash.update(i === 0 ? entry : `,${entry}`));
  return hash.update(']}').digest('hex');
}

const ENTRIES_START = ',"entries":[';

/**
 * The checksum of a snapshot's text as version 1 laid it out — its entries array, line breaks
 * removed, is then their canonical JSON — to spare re-serialising every entry. Sound: when it equals
 * the recorded checksum, that text is the canonical JSON the export hashed. Any other layout gives
 * another hash, and the caller then hashes the re-serialised entries.
 */
function checksumOfExportedText(text: string, namespaces: string[]): string {
  const start = text.indexOf(ENTRIES_START);
  const end = text.lastIndexOf(']}');
  const body = start < 0 || end < start ? '' : text.slice(start + ENTRIES_START.length, end).replaceAll('\n', '');
  return createHash('sha256').update(`{"namespaces":${JSON.stringify(namespaces)}${ENTRIES_START}`).update(body).update(']}').digest('hex');
}

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

/** Version 2 in one document is not something any release wrote. */
function notVersion1(file: string, version: unknown): DreamError {
  return version === SNAPSHOT_VERSION ? wrongVersion(file, version, `a version ${SNAPSHOT_VERSION} snapshot is JSON lines, not one JSON document`) : wrongVersion(file, version);
}

function readText(file: string, size: number): string {
  if (size > V1_MAX_BYTES) {
    throw snapshotError(
      MEMORY_ERRORS.snapshotTooLarge,
      file,
      `is a version 1 snapshot (one JSON document) of ${(size / 1e6).toFixed(0)} MB; that format is read whole and cannot exceed ${(V1_MAX_BYTES / 1e6).toFixed(0)} MB (the longest string Node.js holds).`,
      'Export the memories again with this release (`dreamos memory export <file>` writes version 2, which streams at any size), or export one namespace at a time (`--namespace`) with the release that wrote this file.',
    );
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw snapshotError(MEMORY_ERRORS.snapshotUnreadable, file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`, 'Check the path and its permissions.', err);
  }
}

/**
 * Reads and fully verifies a version 1 snapshot — JSON, format, version, every entry, checksum,
 * unique keys, covered namespaces — before anything touches a database.
 */
export function readSnapshotV1(file: string, size: number): SnapshotV1 {
  const text = readText(file, size);
  const doc = parseJson(file, text);
  checkFormat(file, doc, SNAPSHOT_V1, (found) => notVersion1(file, found));
  const parsed = parseSnapshot(doc);
  if (parsed.issues !== undefined) {
    throw snapshotError(MEMORY_ERRORS.snapshotInvalid, file, `has ${parsed.issues.length} invalid field(s): ${describeIssues(parsed.issues)}.`, `The file was edited or damaged. ${REEXPORT}`);
  }
  const { namespaces, entries } = parsed.data;
  const actual = () => checksumOf(namespaces, entries.map(canonicalEntry));
  if (checksumOfExportedText(text, namespaces) !== parsed.data.checksum && actual() !== parsed.data.checksum) {
    throw snapshotError(MEMORY_ERRORS.snapshotChecksum, file, `fails its checksum: it records ${parsed.data.checksum} but its entries hash to ${actual()}, so they changed after export.`, `The file was edited or damaged. ${REEXPORT}`);
  }
  const covered = new Set(namespaces);
  if (covered.size !== namespaces.length) throw repeatedNamespace(file);
  const seen = new Map<string, Set<string>>(namespaces.map((ns) => [ns, new Set<string>()]));
  for (const { namespace, key } of entries) {
    const keys = seen.get(namespace);
    if (keys === undefined) throw uncoveredNamespace(file, namespace, '');
    if (keys.has(key)) throw duplicateKey(file, namespace, key);
    keys.add(key);
  }
  return { namespaces, entries };
}
