import type Database from 'better-sqlite3';
import { holds } from './journal';
import { duplicateKey } from './snapshots/format';
import type { EntrySink } from './snapshots/read';
import { IMPORT_BATCH, IMPORT_PARAMS, Statements } from './statements';
import type { MemoryEntry } from './types';

/** Journaled values applied to entries at once: a run long enough to cost one statement, short enough to still be in the page cache. */
const APPLY_EVERY_ROWS = 2_000;

/** The keys an import brings into namespaces that held entries before it, to find the keys it removes. */
const STAGING = 'CREATE TEMP TABLE IF NOT EXISTS import_keys (namespace TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID';
const ABSENT = 'FROM entries WHERE namespace = ? AND NOT EXISTS (SELECT 1 FROM temp.import_keys k WHERE k.namespace = entries.namespace AND k.key = entries.key)';

/**
 * What an import into an empty database builds once at the end instead of row by row: the
 * secondary indexes (sorted in one pass each) and the full-text index (one rebuild), as bulk
 * loaders do. Their definitions are read from the database itself, so they come back exactly as
 * its schema has them; the DDL is part of the import's transaction, so a failed import restores them.
 */
const DEFERRED = "SELECT type, name, sql FROM sqlite_master WHERE ((type = 'index' AND name IN ('entries_rank', 'entries_short', 'versions_key')) OR (type = 'trigger' AND name = 'entries_fts_insert')) AND sql IS NOT NULL";

function deferIndexes(db: Database.Database): () => void {
  const deferred = db.prepare(DEFERRED).all() as Array<{ type: 'index' | 'trigger'; name: string; sql: string }>;
  for (const { type, name } of deferred) db.exec(`DROP ${type.toUpperCase()} ${name}`);
  return () => {
    for (const { sql } of deferred) db.exec(sql);
    // The insert trigger was off: index every entry at once (the database held none before).
    db.exec("INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')");
  };
}

function prepareStaging(db: Database.Database) {
  db.exec(STAGING);
  db.exec('DELETE FROM temp.import_keys');
  return {
    stage: db.prepare('INSERT INTO temp.import_keys (namespace, key) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    journalAbsent: db.prepare(`INSERT INTO versions (namespace, key, op, checkpoint_id, at) SELECT namespace, key, 'import', NULL, ? ${ABSENT}`),
    removeAbsent: db.prepare(`DELETE ${ABSENT}`),
    clear: db.prepare('DELETE FROM temp.import_keys'),
  };
}

/**
 * Makes each namespace a snapshot covers hold exactly its entries, journaled as op `import`, as the
 * entries stream in: each value is journaled (a hundred rows per statement) and the journaled runs
 * applied to entries; entries already holding the snapshot's value are left alone; at the end keys
 * the snapshot lacks are deleted. Runs in the caller's transaction, which a failed read rolls back.
 * Memory stays bounded: the keys of namespaces that held entries go to a temp table, not to a set.
 */
export class SnapshotApplier implements EntrySink {
  written = 0;
  removed = 0;
  private namespaces: string[] = [];
  private occupied = new Set<string>();
  private staging?: ReturnType<typeof prepareStaging>;
  private params: unknown[] = [];
  private unapplied = 0;
  private appliedTo = 0;
  private firstSeq = 0;
  /** Set when the database held no entry: rebuilds the deferred indexes. */
  private restoreIndexes?: () => void;

  constructor(
    private readonly db: Database.Database,
    private readonly st: Statements,
    private readonly now: number,
    private readonly file: string,
  ) {}

  begin(namespaces: string[]): void {
    this.namespaces = namespaces;
    this.occupied = new Set(namespaces.filter((ns) => this.st.anyIn.get(ns) !== undefined));
    if (this.occupied.size > 0) this.staging = prepareStaging(this.db);
    else if (this.st.anyEntry.get() === undefined) this.restoreIndexes = deferIndexes(this.db);
    this.firstSeq = this.appliedTo = this.st.lastSeq.get()!.seq;
  }

  entry({ namespace, key, ...value }: MemoryEntry): void {
    if (this.staging !== undefined && this.occupied.has(namespace)) {
      if (this.staging.stage.run(namespace, key).changes === 0) throw duplicateKey(this.file, namespace, key);
      if (holds(this.st.get.get(namespace, key), value)) return;
    }
    this.params.push(namespace, key, value.kind, value.content, JSON.stringify(value.tags), value.importance, value.role, value.createdAt, value.updatedAt, this.now);
    if (this.params.length < IMPORT_BATCH * IMPORT_PARAMS) return;
    this.st.journalImportBatch.run(this.params);
    this.params = [];
    this.unapplied += IMPORT_BATCH;
    if (this.unapplied >= APPLY_EVERY_ROWS) this.apply();
  }

  /** Applies what is left, removes the keys the snapshot lacks, and checks no key came twice. */
  finish(entries: number): { written: number; removed: number } {
    for (let at = 0; at < this.params.length; at += IMPORT_PARAMS) this.st.journalImport.run(this.params.slice(at, at + IMPORT_PARAMS));
    this.unapplied += this.params.length / IMPORT_PARAMS;
    this.params = [];
    this.apply();
    this.restoreIndexes?.();
    if (this.staging !== undefined) {
      for (const ns of this.occupied) {
        this.staging.journalAbsent.run(this.now, ns);
        this.removed += this.staging.removeAbsent.run(ns).changes;
      }
      this.staging.clear.run();
    }
    // Keys of namespaces that were empty are not staged: a key listed twice shows as fewer entries than lines.
    if (this.st.countIn.get(JSON.stringify(this.namespaces))!.n !== entries) {
      const twice = this.st.journaledTwice.get(this.firstSeq);
      throw duplicateKey(this.file, twice?.namespace ?? '?', twice?.key ?? '?');
    }
    return { written: this.written, removed: this.removed };
  }

  private apply(): void {
    if (this.unapplied === 0) return;
    this.st.upsertJournaled.run(this.appliedTo);
    this.written += this.unapplied;
    this.unapplied = 0;
    this.appliedTo = this.st.lastSeq.get()!.seq;
  }
}
