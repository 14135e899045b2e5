import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DreamError } from '../errors';
import { idempotencyConflict, MEMORY_ERRORS } from './errors';
import { SnapshotApplier } from './apply';
import { putValue, removeKey } from './journal';
import { byRank, byRankMatching, byText, fromTopCandidates, queryWords, RecallPlan, ScoredRow, TextPlan, withinBudget } from './recall';
import { rollbackNamespace } from './rollback';
import { EntryRow, toEntry, toVersion } from './rows';
import { migrate } from './schema';
import { canonicalLines, ProgressListener, readSnapshot, writeSnapshot } from './snapshots';
import { prepareStatements, Statements } from './statements';
import { TermStats } from './term-stats';
import { verifyDatabase } from './verify';
import type { ListOptions, MemoryEntry, MemoryStats, MemoryTurn, MemoryValue, MemoryVersion, OpenOptions, RecallQuery, RollbackResult, WriteMeta } from './types';
import { checkCount, checkKind, checkName, NormalizedRecall, normalizeRecall, normalizeTurn, normalizeValue } from './validate';

export const DEFAULT_SHORT_TERM_WINDOW = 50;
const RECALL_CACHE_SIZE = 64;

/** How an operation's first result is kept for replays under the same idempotency key. */
interface Codec<T> {
  encode(result: T): string;
  decode(stored: string): T;
}

const JSON_CODEC = { encode: (r: unknown) => JSON.stringify(r ?? null), decode: (s: string) => JSON.parse(s) as unknown };

/**
 * Persistent agent memory in one SQLite file (WAL). Every write is journaled, may be made
 * idempotent with a key, and can be undone to a marked checkpoint. Methods are synchronous.
 * Safe to open the same file from several processes: writes take the write lock up front and wait
 * up to `busyTimeoutMs` for it.
 */
export class SQLiteMemory {
  private readonly st: Statements;
  private readonly recallCache = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly termStats: TermStats;
  private readonly inTransaction: <T>(fn: () => T) => T;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly window: number,
    private readonly now: () => number,
  ) {
    this.st = prepareStatements(db);
    this.termStats = new TermStats(db, this.st);
    const outermost = db.transaction((fn: () => unknown) => {
      const result = fn();
      this.applyFtsChanges();
      return result;
    });
    // Joins a transaction already open rather than opening a savepoint: in WAL mode a savepoint
    // copies every page it touches to a sub-journal, which costs a third of the put throughput.
    this.inTransaction = <T>(fn: () => T) => (db.inTransaction ? fn() : (outermost.immediate(fn) as T));
  }

  /** Opens (creating if needed) a memory database and brings its schema up to date. */
  static open(file: string, options: OpenOptions = {}): SQLiteMemory {
    const window = checkCount('shortTermWindow', options.shortTermWindow ?? DEFAULT_SHORT_TERM_WINDOW, 1, 100_000);
    const resolved = path.resolve(file);
    let db: Database.Database | undefined;
    try {
      fs.mkdirSync(path.dirname(resolved), { recursive: true });
      db = new Database(resolved, { timeout: options.busyTimeoutMs ?? 5_000 });
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`the file system does not support WAL mode (journal_mode is ${String(mode)})`);
      // NORMAL in WAL mode: a commit is in the WAL before the call returns, so it survives a process
      // crash or SIGKILL; only a power loss can drop the last commits. FULL also fsyncs each commit.
      db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('cache_size = -32000');
      migrate(db, resolved);
      return new SQLiteMemory(db, resolved, window, options.now ?? Date.now);
    } catch (err) {
      db?.close();
      if (err instanceof DreamError) throw err;
      throw new DreamError(
        MEMORY_ERRORS.openFailed,
        `Cannot open memory database ${resolved}: ${err instanceof Error ? err.message : String(err)}.`,
        'Check that the folder is writable and that the file is a Dream.OS memory database (or does not exist yet); pass another file with --db.',
        { cause: err },
      );
    }
  }

  /** Writes (or replaces) the value of a key. */
  put(ns: string, key: string, value: MemoryValue, meta?: WriteMeta): MemoryEntry {
    checkName('namespace', ns);
    checkName('key', key);
    const normalized = normalizeValue(value);
    return this.once(`put of "${key}" in "${ns}"`, meta, this.entryCodec, () => {
      const now = this.now();
      this.markFirstWriteOf(ns, meta, now);
      return putValue(this.st, ns, key, normalized, meta?.checkpointId ?? null, now);
    }).entry;
  }

  get(ns: string, key: string): MemoryEntry | undefined {
    this.live();
    const row = this.st.get.get(ns, key);
    return row && toEntry(row);
  }

  /** Deletes a key; false when it did not exist. */
  delete(ns: string, key: string, meta?: WriteMeta): boolean {
    checkName('namespace', ns);
    checkName('key', key);
    return this.once(`delete of "${key}" in "${ns}"`, meta, JSON_CODEC as Codec<boolean>, () => {
      const now = this.now();
      this.markFirstWriteOf(ns, meta, now);
      return removeKey(this.st, ns, key, 'delete', meta?.checkpointId ?? null, now);
    });
  }

  /** Appends a turn to the short-term window of a namespace, dropping the oldest beyond the window. */
  appendTurn(ns: string, turn: MemoryTurn, meta?: WriteMeta): MemoryEntry {
    checkName('namespace', ns);
    const value = normalizeTurn(turn);
    return this.once(`turn in "${ns}"`, meta, this.entryCodec, () => {
      const now = this.now();
      this.markFirstWriteOf(ns, meta, now);
      const checkpointId = meta?.checkpointId ?? null;
      const key = `turn-${String(this.st.lastSeq.get()!.seq + 1).padStart(12, '0')}`;
      const written = putValue(this.st, ns, key, value, checkpointId, now);
      for (const old of this.st.overflow.all(ns, this.window)) removeKey(this.st, ns, old.key, 'trim', checkpointId, now);
      return written;
    }).entry;
  }

  /** Entries of the namespaces, most relevant first (see RecallQuery for the ranking and budget). */
  recall(query: RecallQuery): MemoryEntry[] {
    this.live();
    const normalized = normalizeRecall(query);
    return withinBudget(this.recallRows(normalized).map(toEntry), normalized.maxChars);
  }

  /**
   * The ranking of a recall. With text: the entries matching its ranked words by bm25, then, when
   * those are fewer than the limit, the entries matching only its stop words by importance and recency.
   */
  private recallRows(query: NormalizedRecall): EntryRow[] {
    if (query.text === undefined) return this.rows(byRank(query));
    const words = queryWords(query.text);
    if (words.length === 0) return [];
    if (this.db.inTransaction) this.applyFtsChanges();
    const { ranked, stop } = this.termStats.split(words);
    const head = ranked.length === 0 ? [] : this.textRows(byText(query, ranked));
    if (head.length >= query.limit || stop.length === 0) return head;
    return [...head, ...this.rows(byRankMatching(query, stop, head.map((r) => r.id), query.limit - head.length))];
  }

  /** Entries of a namespace, most recently updated first. */
  list(ns: string, options: ListOptions = {}): MemoryEntry[] {
    this.live();
    const limit = checkCount('limit', options.limit ?? 100, 1, 100_000);
    const offset = checkCount('offset', options.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const kind = options.kind === undefined ? undefined : checkKind(options.kind);
    const statement = kind === undefined ? this.st.list : kind === 'short' ? this.st.listShort : this.st.listLong;
    return statement.all(ns, limit, offset).map(toEntry);
  }

  count(ns?: string): number {
    this.live();
    return (ns === undefined ? this.st.countAll.get() : this.st.countNamespace.get(ns))!.n;
  }

  /** Every version of a key, oldest first, including deletions (value null). */
  history(ns: string, key: string): MemoryVersion[] {
    this.live();
    return this.st.history.all(ns, key).map(toVersion);
  }

  /**
   * Records the namespace's state now as checkpoint `checkpointId`. Marking a live checkpoint again
   * changes nothing. A write tagged with a checkpoint that is not marked yet marks it just before itself.
   */
  markCheckpoint(ns: string, checkpointId: string, meta?: WriteMeta): void {
    checkName('namespace', ns);
    checkName('checkpoint id', checkpointId);
    this.once(`checkpoint "${checkpointId}" of "${ns}"`, meta, JSON_CODEC as Codec<void>, () => {
      this.st.markCheckpoint.run(ns, checkpointId, this.st.lastSeq.get()!.seq, this.now());
    });
  }

  /** Restores the namespace exactly to its state at `markCheckpoint(ns, checkpointId)`, in one transaction. */
  rollbackTo(ns: string, checkpointId: string, meta?: WriteMeta): RollbackResult {
    checkName('namespace', ns);
    checkName('checkpoint id', checkpointId);
    return this.once(`rollback of "${ns}" to "${checkpointId}"`, meta, JSON_CODEC as Codec<RollbackResult>, () =>
      rollbackNamespace(this.st, ns, checkpointId, meta?.checkpointId ?? checkpointId, this.now()),
    );
  }

  /**
   * Runs `fn` in one write transaction: all its writes commit together or not at all. Called inside
   * another transaction it joins it, so let an error thrown inside roll the whole transaction back
   * rather than catching it there. With an idempotency key, a second call with that key returns
   * the first result (which must be JSON) without running `fn`.
   */
  transaction<T>(fn: () => T, meta?: Pick<WriteMeta, 'idempotencyKey'>): T {
    return this.once('transaction', meta, JSON_CODEC as Codec<T>, fn);
  }

  /**
   * Writes a namespace (or every namespace) to a snapshot file (version 2, JSON lines), atomically,
   * from one consistent read, in bounded memory. The snapshot covers the namespace even when it is empty.
   */
  exportSnapshot(file: string, options: { namespace?: string; onProgress?: ProgressListener } = {}): { entries: number; namespaces: string[]; checksum: string; bytes: number } {
    this.live();
    const ns = options.namespace === undefined ? undefined : checkName('namespace', options.namespace);
    // One read transaction: the namespaces, the count and the rows all come from the same state.
    return this.db.transaction(() => {
      const namespaces = ns === undefined ? this.st.namespaces.all().map((r) => r.namespace) : [ns];
      const total = (ns === undefined ? this.st.countAll.get() : this.st.countNamespace.get(ns))!.n;
      const rows = ns === undefined ? this.st.exportAll.iterate() : this.st.exportNamespace.iterate(ns);
      return { namespaces, ...writeSnapshot(file, { namespaces, lines: canonicalLines(rows), total, createdAt: new Date(this.now()) }, options.onProgress) };
    })();
  }

  /**
   * Makes every namespace the snapshot covers hold exactly the snapshot's entries, in one
   * transaction, journaled as op `import` (so a rollback can undo it); other namespaces are left
   * alone. Version 2 streams through (bounded memory), checked line by line, and its trailer, count
   * and checksum are checked before the commit; version 1 is read whole and checked first. A bad
   * snapshot is a DreamError and changes nothing.
   */
  importSnapshot(file: string, options: { onProgress?: ProgressListener } = {}): { entries: number; namespaces: string[]; written: number; removed: number } {
    this.live();
    return this.inTransaction(() => {
      const applier = new SnapshotApplier(this.db, this.st, this.now(), file);
      const read = readSnapshot(file, applier, options.onProgress);
      return { entries: read.entries, namespaces: [...read.namespaces].sort(), ...applier.finish(read.entries) };
    });
  }

  stats(): MemoryStats {
    this.live();
    const byKind = new Map(this.st.countByKind.all().map((r) => [r.kind, r.n]));
    const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    return {
      entries: this.st.countAll.get()!.n,
      namespaces: this.st.countNamespaces.get()!.n,
      shortTerm: byKind.get('short') ?? 0,
      longTerm: byKind.get('long') ?? 0,
      versions: this.st.countVersions.get()!.n,
      fileBytes: size(this.file) + size(`${this.file}-wal`),
    };
  }

  /** Checks the file, the FTS index and the journal agree; the list of problems is empty when all is well. */
  verify(): { ok: boolean; problems: string[] } {
    this.live();
    if (this.db.inTransaction) this.applyFtsChanges();
    const problems = verifyDatabase(this.db);
    return { ok: problems.length === 0, problems };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private readonly entryCodec: Codec<{ entry: MemoryEntry; seq: number }> = {
    encode: (r) => JSON.stringify({ seq: r.seq }),
    decode: (stored) => {
      const { seq } = JSON.parse(stored) as { seq: number };
      const version = toVersion(this.st.versionAt.get(seq)!);
      return { entry: { namespace: version.namespace, key: version.key, ...version.value! }, seq };
    },
  };

  /**
   * Runs a write in its own transaction, or in the caller's (see `transaction`). With an idempotency
   * key the write happens at most once: the key and the result are recorded in the same transaction.
   */
  private once<R>(operation: string, meta: WriteMeta | undefined, codec: Codec<R>, write: () => R): R {
    this.live();
    const key = meta?.idempotencyKey;
    if (key !== undefined) checkName('idempotency key', key);
    if (meta?.checkpointId !== undefined) checkName('checkpoint id', meta.checkpointId);
    const run = () => {
      if (key === undefined) return write();
      const prior = this.st.applied.get(key);
      if (prior) {
        if (prior.operation !== operation) throw idempotencyConflict(key, prior.operation, operation);
        return codec.decode(prior.result);
      }
      const result = write();
      this.st.recordApplied.run(key, operation, codec.encode(result), this.now());
      return result;
    };
    return this.inTransaction(run);
  }

  /** Applies the entries' changes to the full-text index; every write transaction does it before it commits. */
  private applyFtsChanges(): void {
    this.st.ftsApply.run();
    this.st.ftsClear.run();
  }

  /** A write tagged with a checkpoint not yet marked in its namespace marks it at the journal's current end. */
  private markFirstWriteOf(ns: string, meta: WriteMeta | undefined, now: number): void {
    if (meta?.checkpointId !== undefined) this.st.markCheckpoint.run(ns, meta.checkpointId, this.st.lastSeq.get()!.seq, now);
  }

  private textRows(plan: TextPlan): EntryRow[] {
    const top = this.rows<EntryRow & ScoredRow>(plan.top);
    return fromTopCandidates(top, plan.limit, plan.candidates) ?? this.rows(plan.full);
  }

  /** Runs a recall plan; its statement is prepared once per distinct SQL. */
  private rows<R = EntryRow>(plan: RecallPlan): R[] {
    let statement = this.recallCache.get(plan.sql);
    if (statement === undefined) {
      if (this.recallCache.size >= RECALL_CACHE_SIZE) this.recallCache.clear();
      statement = this.db.prepare<unknown[], unknown>(plan.sql);
      this.recallCache.set(plan.sql, statement);
    }
    return statement.all(...plan.params) as R[];
  }

  private live(): void {
    if (this.closed) {
      throw new DreamError(MEMORY_ERRORS.closed, `Memory database ${this.file} is closed.`, 'Open it again with SQLiteMemory.open(file); do not use an instance after close().');
    }
  }
}
