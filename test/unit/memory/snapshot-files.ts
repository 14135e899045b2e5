import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { DreamError } from '../../../src/errors';
import type { MemoryEntry, SQLiteMemory } from '../../../src/memory';
import { fingerprint, thrown } from './helpers';

/**
 * Snapshot files written by the test itself, from the format's description (README, Memory Nexus):
 * a header line, one JSON line per entry, and a trailer with the entry count and the sha256 of every
 * byte before it. Independent of the exporter, so the reader is held to the format, not to its twin.
 */

export interface SnapshotLines {
  header: Record<string, unknown>;
  entries: unknown[];
}

/** The lines of a snapshot file, header and entries parsed; the trailer is dropped (`sealed` writes a new one). */
export function openLines(text: string): SnapshotLines {
  const lines = text.split('\n').filter((line) => line !== '');
  return { header: JSON.parse(lines[0]) as Record<string, unknown>, entries: lines.slice(1, -1).map((line) => JSON.parse(line) as unknown) };
}

/** A snapshot's text with a trailer that matches its lines, so only what a test changed can be at fault. */
export function sealed({ header, entries }: SnapshotLines, trailer: Partial<{ entries: number; checksum: string }> = {}): string {
  const body = [header, ...entries].map((line) => `${JSON.stringify(line)}\n`).join('');
  const checksum = createHash('sha256').update(body).digest('hex');
  return `${body}${JSON.stringify({ entries: entries.length, checksum, ...trailer })}\n`;
}

/** A generated memory entry of about `size` characters of content. */
export function generatedEntry(i: number, namespaces: string[], size = 300): MemoryEntry {
  const words = ['pricing', 'seat', 'market', 'team', 'tier', 'discount', 'observability', 'churn', 'élan', '中文'];
  let content = `memory ${i}:`;
  for (let w = i; content.length < size; w = (w * 31 + 7) % 1_000_003) content += ` ${words[w % words.length]}`;
  return { namespace: namespaces[i % namespaces.length], key: `fact-${i}`, kind: i % 5 === 0 ? 'short' : 'long', content, tags: ['generated', `t${i % 7}`], importance: (i % 100) / 100, role: i % 5 === 0 ? 'assistant' : null, createdAt: 1_700_000_000_000 + i, updatedAt: 1_700_000_000_000 + i };
}

/** Writes a snapshot of `count` generated entries, streamed to disk; returns its size in bytes. */
export function writeGeneratedSnapshot(file: string, count: number, namespaces: string[]): number {
  const fd = fs.openSync(file, 'w');
  const hash = createHash('sha256');
  const write = (text: string) => {
    hash.update(text);
    fs.writeSync(fd, text);
  };
  try {
    write(`${JSON.stringify({ format: 'dreamos-memory-snapshot', version: 2, createdAt: new Date(0).toISOString(), namespaces })}\n`);
    let chunk = '';
    for (let i = 0; i < count; i++) {
      chunk += `${JSON.stringify(generatedEntry(i, namespaces))}\n`;
      if (chunk.length < 1 << 20) continue;
      write(chunk);
      chunk = '';
    }
    write(chunk);
    fs.writeSync(fd, `${JSON.stringify({ entries: count, checksum: hash.digest('hex') })}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}

/** Imports `snapshot` into `target` (file `dbFile`), which first gets an entry to lose; returns the error and whether the database was left as it was. */
export function refusedImport(target: SQLiteMemory, dbFile: string, snapshot: string): { err: DreamError; untouched: boolean } {
  target.put('mission:m1', 'pricing', { content: 'must survive a bad import' });
  const before = fingerprint(dbFile);
  const err = thrown(() => target.importSnapshot(snapshot)) as DreamError;
  return { err, untouched: fingerprint(dbFile) === before };
}
