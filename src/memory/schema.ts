import type Database from 'better-sqlite3';
import { DreamError } from '../errors';
import { MEMORY_ERRORS } from './errors';
import { Migration, MIGRATIONS } from './migrations';

export { MIGRATIONS };
export type { Migration };

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings entries_fts up to date with the pending changes, in one statement and in rowid order, so
 * FTS5 buffers the postings and writes them once at commit: for each changed row, the content
 * indexed before the transaction is removed (when its first change was an update or delete) and
 * the row's current content is indexed (when it still exists).
 */
export const FTS_APPLY = `
  INSERT INTO entries_fts (entries_fts, rowid, content, ns_token)
  SELECT command, rid, content, ns_token FROM (
    SELECT 'delete' AS command, row_id AS rid, old_content AS content, old_ns_token AS ns_token, 0 AS phase FROM fts_pending
    WHERE id IN (SELECT MIN(id) FROM fts_pending GROUP BY row_id) AND old_content IS NOT NULL
    UNION ALL
    SELECT NULL, id, content, ns_token, 1 FROM entries_text WHERE id IN (SELECT row_id FROM fts_pending)
  ) ORDER BY rid, phase`;

/** The schema version a database is at (0 when it was never migrated). */
export function schemaVersion(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Brings the database to the latest schema: the pending migrations in one immediate transaction,
 * so two processes opening a new file at once cannot both apply them. Returns the versions applied.
 */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS, now = Date.now()): number[] {
  const latest = migrations[migrations.length - 1].version;
  const apply = db.transaction(() => {
    const current = schemaVersion(db);
    if (current > latest) throw schemaTooNew(file, current, latest);
    const pending = migrations.filter((m) => m.version > current);
    const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, now);
    }
    return pending.map((m) => m.version);
  });
  return apply.immediate();
}

function schemaTooNew(file: string, found: number, known: number): DreamError {
  return new DreamError(
    MEMORY_ERRORS.schemaTooNew,
    `Memory database ${file} has schema version ${found}, but this Dream.OS only knows versions up to ${known}; it was written by a newer release.`,
    'Upgrade Dream.OS to the release that wrote this file, or point --db / DREAMOS_HOME at another memory database.',
  );
}
