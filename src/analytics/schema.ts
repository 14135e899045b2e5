import type Database from 'better-sqlite3';

/**
 * The store's schema, as ordered migrations. A migration is never edited once released: add a
 * new one. `analytics_schema` records which have run, so opening an older file upgrades it.
 *
 * Indexes are few on purpose: each one costs every write. Raw events have their key (duplicate
 * detection) and time (recent failures, compaction); a chain's events are found through its
 * summary's time span. Chains are found by first failure (windows, compaction).
 *
 * Three layers, all written in the same transaction as the raw event:
 * - `failure_events`: raw events, kept for the retention window (`compact`), for drill-down
 *   and the recent-failures table;
 * - `failure_rollup` (per minute, ten minutes and hour) and `strategy_rollup` (per hour, class and
 *   strategy): counts that the charts read and that outlive the raw events; `strategy_totals`:
 *   all-time heal outcomes per (class, role, model, strategy), the healer's question, answered
 *   without a scan;
 * - `chains` (one summary per failure chain) and `chain_rollup` (chain counts by resolution and
 *   time-to-resolution bucket, per minute, ten minutes and hour of first failure).
 *
 * `compact` (see retention.ts) deletes old raw events, minute rollups, hour rollups and chain
 * summaries; the coarser layers keep the figures.
 */
export const MIGRATIONS: readonly { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: 'raw events, rollups, chains',
    sql: `
      CREATE TABLE failure_events (
        id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        mission_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        role TEXT NOT NULL,
        step INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        kind TEXT NOT NULL,
        failure_class TEXT,
        message TEXT,
        model TEXT,
        tokens INTEGER,
        strategy TEXT,
        outcome TEXT,
        chain_id TEXT NOT NULL
      );
      CREATE INDEX failure_events_at ON failure_events (at);

      CREATE TABLE failure_rollup (
        span INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        failure_class TEXT NOT NULL,
        kind TEXT NOT NULL,
        outcome TEXT NOT NULL,
        count INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        PRIMARY KEY (span, bucket, failure_class, kind, outcome)
      ) WITHOUT ROWID;

      CREATE TABLE strategy_rollup (
        hour INTEGER NOT NULL,
        failure_class TEXT NOT NULL,
        strategy TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        successes INTEGER NOT NULL,
        PRIMARY KEY (hour, failure_class, strategy)
      ) WITHOUT ROWID;

      CREATE TABLE strategy_totals (
        failure_class TEXT NOT NULL,
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        strategy TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        successes INTEGER NOT NULL,
        PRIMARY KEY (failure_class, role, model, strategy)
      ) WITHOUT ROWID;

      CREATE TABLE chains (
        chain_id TEXT PRIMARY KEY,
        mission_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        role TEXT NOT NULL,
        model TEXT,
        failure_class TEXT,
        first_at INTEGER NOT NULL,
        first_failure_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        resolution TEXT NOT NULL,
        closed_at INTEGER,
        ttr_ms INTEGER,
        strategies TEXT NOT NULL,
        failures INTEGER NOT NULL,
        heal_attempts INTEGER NOT NULL,
        rollbacks INTEGER NOT NULL,
        escalations INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX chains_first_failure ON chains (first_failure_at);

      CREATE TABLE chain_rollup (
        span INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        resolution TEXT NOT NULL,
        ttr_bucket INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (span, bucket, resolution, ttr_bucket)
      ) WITHOUT ROWID;

      CREATE TABLE analytics_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'analytics_schema'`).get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM analytics_schema').get() as { version: number | null };
  return row.version ?? 0;
}

/** Runs the migrations the file has not seen yet, each in its own transaction. */
export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS analytics_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const current = schemaVersion(db);
  for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO analytics_schema (version, description, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.description, Date.now());
    })();
  }
}
