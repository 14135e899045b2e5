import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryEntry, SQLiteMemory } from '../src/memory';
import { canonicalEntry, writeSnapshot } from '../src/memory/snapshots';
import { Metric, round } from './metric';

const RATIO_ROUNDS = 3;
const PEAK_ENTRIES = 1_000_000;
const CHILD = path.join(__dirname, 'snapshot-child.js');

function timed(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The baseline, not the metric: the least any import of a snapshot does — read the file, parse its
 * entry lines, write them to one table with its key index, index their text with FTS5, commit —
 * with none of SQLiteMemory's journal, ranking index, validation, checksum or bounded memory.
 */
export function minimalImportMs(file: string, snapshot: string): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE entries (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, content TEXT NOT NULL, tags TEXT NOT NULL, ' +
      'importance REAL NOT NULL, role TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (namespace, key));' +
      "CREATE VIRTUAL TABLE entries_fts USING fts5(content, content = 'entries', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');",
  );
  const insert = db.prepare('INSERT INTO entries (namespace, key, kind, content, tags, importance, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const ms = timed(() => {
    // Header first, trailer and the empty string after the last line break last.
    const lines = fs.readFileSync(snapshot, 'utf8').split('\n').slice(1, -2);
    db.transaction(() => {
      for (const line of lines) {
        const e = JSON.parse(line) as MemoryEntry;
        insert.run(e.namespace, e.key, e.kind, e.content, JSON.stringify(e.tags), e.importance, e.role, e.createdAt, e.updatedAt);
      }
      db.exec('INSERT INTO entries_fts (rowid, content) SELECT id, content FROM entries');
    })();
  });
  db.close();
  return ms;
}

function importMs(file: string, snapshot: string): number {
  const target = SQLiteMemory.open(file);
  const ms = timed(() => target.importSnapshot(snapshot));
  target.close();
  return ms;
}

/** The 100k round trip (reported), and the real import against the minimal one, alternating, in fresh files each round. */
export function snapshotRoundTrip(memory: SQLiteMemory, dir: string, progress: (line: string) => void): Metric[] {
  const snapshot = path.join(dir, 'snapshot.jsonl');
  const entries = memory.count();
  const exportMs = timed(() => memory.exportSnapshot(snapshot));
  const fileBytes = fs.statSync(snapshot).size;
  const real: number[] = [];
  const minimal: number[] = [];
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    minimal.push(minimalImportMs(path.join(dir, `minimal-${round}.db`), snapshot));
    real.push(importMs(path.join(dir, `imported-${round}.db`), snapshot));
    progress(`snapshot import round ${round + 1}: SQLiteMemory ${Math.round(real[round])} ms, minimal ${Math.round(minimal[round])} ms (ratio ${round3(real[round] / minimal[round])})`);
  }
  const ratio = median(real.map((ms, i) => ms / minimal[i]));
  progress(`snapshot of ${entries} memories: export ${Math.round(exportMs)} ms, import ${Math.round(median(real))} ms (median), ${Math.round(fileBytes / 1e6)} MB`);
  return [
    {
      name: 'memory.snapshotImportVsMinimal',
      value: round3(ratio),
      unit: 'ratio',
      baseline: Math.round(median(minimal)),
      target: '<= 1.5',
      details: { entries, rounds: RATIO_ROUNDS, importMs: real.map(Math.round).join(' '), minimalImportMs: minimal.map(Math.round).join(' '), fileBytes, minimal: 'read whole, parse lines, one table with its key index, FTS5, commit' },
    },
    { name: 'memory.snapshot100kMs', value: Math.round(exportMs + median(real)), unit: 'ms', baseline: null, target: 'reported', details: { entries, exportMs: Math.round(exportMs), importMs: Math.round(median(real)), fileBytes } },
  ];
}

const round3 = (n: number) => round(n, 3);

/** Generated entries, streamed to a snapshot by the exporter's own writer. */
function* generatedLines(count: number, entry: (i: number) => MemoryEntry): Generator<string> {
  for (let i = 0; i < count; i++) yield canonicalEntry(entry(i));
}

/**
 * The million-entry source database, built by importing a generated snapshot: a million puts
 * would take minutes longer, and the import goes through the same journal and indexes.
 */
function buildSource(dir: string, namespaces: string[], entry: (i: number) => MemoryEntry): string {
  const seed = path.join(dir, 'million-seed.jsonl');
  writeSnapshot(seed, { namespaces, lines: generatedLines(PEAK_ENTRIES, entry), total: PEAK_ENTRIES, createdAt: new Date() });
  const source = path.join(dir, 'million.db');
  const memory = SQLiteMemory.open(source);
  memory.importSnapshot(seed);
  memory.close();
  fs.rmSync(seed);
  return source;
}

/** Peak resident memory of a child process exporting, then importing, a million memories. */
export function snapshotPeakRss(dir: string, namespaces: string[], entry: (i: number) => MemoryEntry, progress: (line: string) => void): Metric {
  let source = '';
  const built = timed(() => (source = buildSource(dir, namespaces, entry)));
  progress(`built a memory database of ${PEAK_ENTRIES} entries in ${Math.round(built / 1000)} s`);
  const child = spawnSync(process.execPath, [CHILD, source, path.join(dir, 'million.jsonl'), path.join(dir, 'million-imported.db')], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`snapshot child failed (${child.status ?? child.signal}): ${child.stderr}`);
  const result = JSON.parse(child.stdout) as { entries: number; fileBytes: number; exportMs: number; importMs: number; peakAfterExportMb: number; peakMb: number };
  progress(`1M snapshot in a child process: export ${result.exportMs} ms, import ${result.importMs} ms, ${Math.round(result.fileBytes / 1e6)} MB; peak RSS ${result.peakAfterExportMb} MB after export, ${result.peakMb} MB in all`);
  return { name: 'memory.snapshot1MPeakRssMb', value: result.peakMb, unit: 'MB', baseline: null, target: '< 400', details: result };
}
