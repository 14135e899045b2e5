import { createHash, Hash } from 'node:crypto';
import fs from 'node:fs';
import { MEMORY_ERRORS } from '../errors';
import type { MemoryEntry } from '../types';
import {
  checkFormat,
  describeIssues,
  headerSchema,
  isSnapshotEntry,
  ProgressListener,
  REEXPORT,
  repeatedNamespace,
  SNAPSHOT_V1,
  SNAPSHOT_VERSION,
  snapshotEntrySchema,
  snapshotError,
  SnapshotTrailer,
  trailerSchema,
  uncoveredNamespace,
} from './format';
import { Line, LineReader } from './lines';
import { readSnapshotV1 } from './v1';

/** Where a reader sends a snapshot's entries as it verifies them; whatever it did is undone by the caller when the read fails. */
export interface EntrySink {
  /** Called once, with the namespaces the snapshot covers, before any entry. */
  begin(namespaces: string[]): void;
  entry(entry: MemoryEntry): void;
}

/** What a complete, verified read found. */
export interface SnapshotRead {
  version: number;
  namespaces: string[];
  entries: number;
}

const NEWLINE = Buffer.from('\n');
const PROGRESS_EVERY_BYTES = 1024 * 1024;

const cutShort = (file: string, problem: string) => snapshotError(MEMORY_ERRORS.snapshotTruncated, file, `is truncated: ${problem}.`, `The copy or export was cut short. ${REEXPORT}`);
const damaged = (file: string, code: string, problem: string) => snapshotError(code, file, problem, `The file was edited or damaged. ${REEXPORT}`);

function parseLine(file: string, line: Line): unknown {
  const text = line.bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!line.terminated) throw cutShort(file, `it ends in the middle of line ${line.number}`);
    throw snapshotError(MEMORY_ERRORS.snapshotNotJson, file, `has a line ${line.number} that is not valid JSON (${String(err).replace(/^SyntaxError: /, '')}).`, `Pass a file written by \`dreamos memory export\`. ${REEXPORT}`, err);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The trailer is the one line with a checksum; an entry never has one. */
const isTrailer = (v: unknown): boolean => isObject(v) && 'checksum' in v && !('namespace' in v);

/** A version 2 header's namespaces, or the error naming what is wrong with it. */
function checkHeader(file: string, doc: Record<string, unknown>): string[] {
  checkFormat(file, doc, SNAPSHOT_VERSION);
  const parsed = headerSchema.safeParse(doc);
  if (!parsed.success) throw damaged(file, MEMORY_ERRORS.snapshotInvalid, `has an invalid header on line 1 (${describeIssues(parsed.error.issues)}).`);
  if (new Set(parsed.data.namespaces).size !== parsed.data.namespaces.length) throw repeatedNamespace(file);
  return parsed.data.namespaces;
}

function checkEntry(file: string, value: unknown, line: Line, covered: Set<string>): MemoryEntry {
  if (!isSnapshotEntry(value)) {
    const parsed = snapshotEntrySchema.safeParse(value);
    const issues = parsed.success ? 'unexpected' : describeIssues(parsed.error.issues);
    throw damaged(file, MEMORY_ERRORS.snapshotInvalid, `has an invalid entry on line ${line.number} (${issues}).`);
  }
  if (!covered.has(value.namespace)) throw uncoveredNamespace(file, value.namespace, ` on line ${line.number}`);
  return value;
}

function checkTrailer(file: string, value: unknown, line: Line): SnapshotTrailer {
  const parsed = trailerSchema.safeParse(value);
  if (!parsed.success) throw damaged(file, MEMORY_ERRORS.snapshotInvalid, `has an invalid trailer on line ${line.number} (${describeIssues(parsed.error.issues)}).`);
  return parsed.data;
}

function checkEnd(file: string, trailer: SnapshotTrailer | undefined, lines: number, entries: number, hash: Hash): void {
  if (trailer === undefined) throw cutShort(file, `it ends after line ${lines} without the trailer that closes a snapshot`);
  if (trailer.entries !== entries) throw damaged(file, MEMORY_ERRORS.snapshotCount, `holds ${entries} entries, but its trailer records ${trailer.entries}: lines were removed or added after export.`);
  const actual = hash.digest('hex');
  if (actual !== trailer.checksum) throw damaged(file, MEMORY_ERRORS.snapshotChecksum, `fails its checksum: it records ${trailer.checksum} but its lines hash to ${actual}, so they changed after export.`);
}

/**
 * Streams a version 2 snapshot into `sink`, checking each line as it goes — JSON, the header's
 * format and version, every entry (zod's rules), covered namespaces — and at the end the trailer,
 * the entry count and the checksum. The sink has seen entries by the time a later line fails.
 */
function readLines(file: string, reader: LineReader, header: Line, doc: Record<string, unknown>, sink: EntrySink, progress: (entries: number) => void): SnapshotRead {
  const namespaces = checkHeader(file, doc);
  const covered = new Set(namespaces);
  sink.begin(namespaces);
  const hash = createHash('sha256').update(header.bytes).update(NEWLINE);
  let trailer: SnapshotTrailer | undefined;
  let entries = 0;
  let lines = header.number;
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    lines = line.number;
    if (trailer !== undefined) throw damaged(file, MEMORY_ERRORS.snapshotInvalid, `goes on after its trailer, on line ${line.number}.`);
    const value = parseLine(file, line);
    if (isTrailer(value)) {
      trailer = checkTrailer(file, value, line);
      continue;
    }
    if (!line.terminated) throw cutShort(file, `it ends in the middle of line ${line.number}`);
    sink.entry(checkEntry(file, value, line, covered));
    hash.update(line.bytes).update(NEWLINE);
    entries += 1;
    progress(entries);
  }
  checkEnd(file, trailer, lines, entries, hash);
  return { version: SNAPSHOT_VERSION, namespaces, entries };
}

/** The first line as the header of a snapshot in JSON lines, or undefined when the file is laid out otherwise (version 1, or not a snapshot). */
function streamHeader(reader: LineReader): { line: Line; doc: Record<string, unknown> } | undefined {
  let line: Line | undefined;
  try {
    line = reader.next();
  } catch {
    return undefined;
  }
  // An unterminated header still starts a stream: the file was cut after it, and the reader says so.
  if (line === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(line.bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  // A version 1 document always has its entries in it, even when it fits on one line.
  return isObject(doc) && !('entries' in doc) ? { line, doc } : undefined;
}

function openFile(file: string): { fd: number; size: number } {
  try {
    const fd = fs.openSync(file, 'r');
    return { fd, size: fs.fstatSync(fd).size };
  } catch (err) {
    throw snapshotError(MEMORY_ERRORS.snapshotUnreadable, file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`, 'Check the path and its permissions.', err);
  }
}

/**
 * Reads a snapshot of either version into `sink`, verifying all of it; every failure is a
 * DreamError naming the problem. Version 2 streams in bounded memory; version 1 is read whole and
 * verified before the sink sees it.
 */
export function readSnapshot(file: string, sink: EntrySink, onProgress?: ProgressListener): SnapshotRead {
  const { fd, size } = openFile(file);
  try {
    const reader = new LineReader(fd, file);
    const header = streamHeader(reader);
    if (header === undefined) return readVersion1(file, size, sink, onProgress);
    let next = PROGRESS_EVERY_BYTES;
    const progress = (entries: number) => {
      if (onProgress === undefined || reader.bytesRead < next) return;
      next = reader.bytesRead + PROGRESS_EVERY_BYTES;
      onProgress({ entries, bytes: reader.bytesRead, totalBytes: size });
    };
    return readLines(file, reader, header.line, header.doc, sink, progress);
  } finally {
    fs.closeSync(fd);
  }
}

function readVersion1(file: string, size: number, sink: EntrySink, onProgress?: ProgressListener): SnapshotRead {
  const { namespaces, entries } = readSnapshotV1(file, size);
  sink.begin(namespaces);
  entries.forEach((entry) => sink.entry(entry));
  onProgress?.({ entries: entries.length, bytes: size, totalBytes: size });
  return { version: SNAPSHOT_V1, namespaces, entries: entries.length };
}
