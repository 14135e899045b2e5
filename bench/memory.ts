import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryEntry, MemoryValue, RecallQuery, SQLiteMemory } from '../src/memory';
import { FTS_APPLY } from '../src/memory/schema';
import { snapshotPeakRss, snapshotRoundTrip } from './memory-snapshot';
import { Benchmark, Metric, seededRandom } from './metric';

const BATCH = 500;
const PUT_ROWS = 20_000;
const PUT_ROUNDS = 3;
const CORPUS = 100_000;
const NAMESPACES = 200;
const VOCABULARY = 5_000;
const RECALLS = 3_000;
const TEXT_RECALLS = 1_000;
const TAGS = ['decision', 'fact', 'pricing', 'market', 'risk', 'plan', 'customer', 'competitor', 'hiring', 'budget', 'legal', 'tech', 'ops', 'sales', 'design', 'research'];

interface Row {
  ns: string;
  key: string;
  value: Required<Omit<MemoryValue, 'kind'>> & { kind: 'long' };
}

/** Memories as agents write them: 15–45 words drawn Zipf-like from a 5,000-word vocabulary, 1–3 tags. */
function corpus(seed: number) {
  const rand = seededRandom(seed);
  const syllables = ['ka', 'lo', 'mi', 're', 'tu', 'sa', 'ne', 'po', 'di', 'va', 'zo', 'ri', 'fe', 'gu', 'ba', 'te'];
  const words = Array.from({ length: VOCABULARY }, (_, i) => {
    let w = '';
    for (let n = i + 1; n > 0; n = Math.floor(n / 16)) w += syllables[n % 16];
    return w;
  });
  const cumulative: number[] = [];
  words.reduce((sum, _w, i) => (cumulative[i] = sum + 1 / (i + 1)), 0);
  const word = () => {
    const roll = rand() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < roll) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
  const namespace = (i: number) => (i % 4 === 0 ? `mission:m${i % 20}` : `agent:m${i % 20}:t${i}`);
  const row = (i: number): Row => {
    const length = 15 + Math.floor(rand() * 30);
    const tags = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => TAGS[Math.floor(rand() * TAGS.length)]))];
    const content = Array.from({ length }, word).join(' ');
    return { ns: namespace(Math.floor(rand() * NAMESPACES)), key: `fact-${i}`, value: { content, tags, importance: Math.round(rand() * 100) / 100, kind: 'long' } };
  };
  const query = (text: boolean): RecallQuery => {
    const namespaces = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => namespace(Math.floor(rand() * NAMESPACES))))];
    if (text) return { namespaces, text: Array.from({ length: 1 + Math.floor(rand() * 3) }, word).join(' '), limit: 10 };
    return { namespaces, tags: rand() < 0.5 ? [TAGS[Math.floor(rand() * TAGS.length)]] : undefined, limit: 10 };
  };
  /** Every namespace rows may fall in (several of the 200 draws share a mission namespace). */
  const namespaces = () => [...new Set(Array.from({ length: NAMESPACES }, (_, i) => namespace(i)))];
  /** A row as a stored entry, with write timestamps one millisecond apart. */
  const entry = (i: number): MemoryEntry => {
    const { ns, key, value } = row(i);
    return { namespace: ns, key, ...value, role: null, createdAt: 1_700_000_000_000 + i, updatedAt: 1_700_000_000_000 + i };
  };
  return { row, query, namespaces, entry };
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function timed(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * The same rows through hand-written prepared statements on the same schema: journal insert plus
 * entry insert per row and, when `indexText`, the full-text update each batch needs before it
 * commits (the one statement SQLiteMemory runs), so both sides leave the same searchable database.
 */
function rawInsertMs(file: string, rows: Row[], indexText = true): number {
  SQLiteMemory.open(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const journal = db.prepare('INSERT INTO versions (namespace, key, op, kind, content, tags, importance, role, created_at, updated_at, checkpoint_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?)');
  const entry = db.prepare('INSERT INTO entries (namespace, key, kind, content, tags, importance, role, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)');
  const applyText = db.prepare(FTS_APPLY);
  const clearPending = db.prepare('DELETE FROM fts_pending');
  const batch = db.transaction((slice: Row[]) => {
    for (const { ns, key, value } of slice) {
      const now = Date.now();
      const tags = JSON.stringify(value.tags);
      const seq = journal.run(ns, key, 'put', value.kind, value.content, tags, value.importance, now, now, now).lastInsertRowid;
      entry.run(ns, key, value.kind, value.content, tags, value.importance, now, now, seq);
    }
    if (indexText) {
      applyText.run();
      clearPending.run();
    }
  });
  const ms = timed(() => {
    for (let i = 0; i < rows.length; i += BATCH) batch.immediate(rows.slice(i, i + BATCH));
  });
  db.close();
  return ms;
}

/** A floor for reference: one INSERT per row into a plain table (no FTS, no journal, no indexes). */
function bareInsertMs(file: string, rows: Row[]): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE plain (namespace TEXT, key TEXT, kind TEXT, content TEXT, tags TEXT, importance REAL, created_at INTEGER, updated_at INTEGER)');
  const insert = db.prepare('INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const batch = db.transaction((slice: Row[]) => {
    for (const { ns, key, value } of slice) insert.run(ns, key, value.kind, value.content, JSON.stringify(value.tags), value.importance, Date.now(), Date.now());
  });
  const ms = timed(() => {
    for (let i = 0; i < rows.length; i += BATCH) batch.immediate(rows.slice(i, i + BATCH));
  });
  db.close();
  return ms;
}

function memoryPutMs(file: string, rows: Row[], keyed: boolean): number {
  const memory = SQLiteMemory.open(file);
  const ms = timed(() => {
    for (let i = 0; i < rows.length; i += BATCH) {
      memory.transaction(() => {
        for (let j = i; j < Math.min(i + BATCH, rows.length); j++) memory.put(rows[j].ns, rows[j].key, rows[j].value, keyed ? { idempotencyKey: `bench:${j}:0:put` } : undefined);
      });
    }
  });
  memory.close();
  return ms;
}

function putRatio(dir: string, progress: (line: string) => void): Metric {
  const { row } = corpus(1);
  const rows = Array.from({ length: PUT_ROWS }, (_, i) => row(i));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const raw: number[] = [];
  const memory: number[] = [];
  const file = (name: string) => path.join(dir, `${name}-${raw.length + memory.length}.db`);
  memoryPutMs(file('warmup'), rows.slice(0, 2_000), false);
  for (let round = 0; round < PUT_ROUNDS; round++) {
    raw.push(rawInsertMs(file('raw'), rows));
    memory.push(memoryPutMs(file('memory'), rows, false));
  }
  const rate = (ms: number) => Math.round(PUT_ROWS / (ms / 1000));
  const rawRate = rate(median(raw));
  const memoryRate = rate(median(memory));
  const keyedRate = rate(memoryPutMs(file('keyed'), rows, true));
  const unindexedRate = rate(rawInsertMs(file('raw-unindexed'), rows, false));
  const bareRate = rate(bareInsertMs(file('bare'), rows));
  progress(`put: SQLiteMemory ${memoryRate} rows/s, raw prepared INSERTs ${rawRate} rows/s (batches of ${BATCH}); with idempotency keys ${keyedRate} rows/s`);
  progress(`  for reference: raw INSERTs leaving the full-text index unapplied ${unindexedRate} rows/s (ratio ${round3(memoryRate / unindexedRate)}); bare table ${bareRate} rows/s`);
  return {
    name: 'memory.putRatio',
    value: round3(memoryRate / rawRate),
    unit: 'ratio',
    baseline: rawRate,
    target: '>= 0.8',
    details: {
      memoryRowsPerSec: memoryRate,
      rawRowsPerSec: rawRate,
      rows: PUT_ROWS,
      batch: BATCH,
      rounds: PUT_ROUNDS,
      raw: 'same schema and rows: journal INSERT + entry INSERT per row, full-text index applied per batch',
      keyedRowsPerSec: keyedRate,
      rawWithoutTextIndexRowsPerSec: unindexedRate,
      bareTableRowsPerSec: bareRate,
    },
  };
}

function recallP99(memory: SQLiteMemory, queries: RecallQuery[]): { p99: number; mean: number; results: number } {
  queries.slice(0, 100).forEach((q) => memory.recall(q));
  let results = 0;
  const samples = queries.map((q) => timed(() => (results += memory.recall(q).length)));
  return { p99: round3(p99(samples)), mean: round3(samples.reduce((a, b) => a + b, 0) / samples.length), results };
}

/** Put throughput against raw SQL, recall latency over 100k memories, a 100k snapshot round trip against a minimal import, and a 1M snapshot's peak memory. */
export const memoryBenchmark: Benchmark = {
  name: 'memory',
  async run(progress) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-memory-'));
    // Absolute timings depend on how busy the machine is; say so next to them.
    progress(`${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    try {
      const metrics = [putRatio(dir, progress)];
      const { row, query } = corpus(2);
      const memory = SQLiteMemory.open(path.join(dir, 'corpus.db'));
      const loadMs = timed(() => {
        for (let i = 0; i < CORPUS; i += 1_000) {
          memory.transaction(() => {
            for (let j = i; j < i + 1_000; j++) {
              const r = row(j);
              memory.put(r.ns, r.key, r.value);
            }
          });
        }
      });
      progress(`loaded ${CORPUS} memories in ${NAMESPACES} namespaces in ${Math.round(loadMs)} ms`);

      const plain = recallP99(memory, Array.from({ length: RECALLS }, () => query(false)));
      progress(`recall by namespace/tags/recency: p99 ${plain.p99} ms, mean ${plain.mean} ms over ${RECALLS} queries`);
      metrics.push({ name: 'memory.recallP99Ms', value: plain.p99, unit: 'ms', baseline: null, target: '< 2', details: { entries: CORPUS, namespaces: NAMESPACES, queries: RECALLS, meanMs: plain.mean, limit: 10, avgResults: round3(plain.results / RECALLS) } });

      const text = recallP99(memory, Array.from({ length: TEXT_RECALLS }, () => query(true)));
      progress(`text recall: p99 ${text.p99} ms, mean ${text.mean} ms over ${TEXT_RECALLS} queries`);
      metrics.push({ name: 'memory.textRecallP99Ms', value: text.p99, unit: 'ms', baseline: null, target: '< 20', details: { entries: CORPUS, queries: TEXT_RECALLS, meanMs: text.mean, words: '1-3 per query, Zipf like the content', ranking: 'bm25 over words in at most half of the memories; stop words only match', avgResults: round3(text.results / TEXT_RECALLS) } });

      metrics.push(...snapshotRoundTrip(memory, dir, progress));
      memory.close();
      const generated = corpus(3);
      metrics.push(snapshotPeakRss(dir, generated.namespaces(), generated.entry, progress));
      return metrics;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
