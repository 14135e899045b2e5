import type Database from 'better-sqlite3';
import { ENTRY_COLUMNS, EntryRow, EXPORT_LINE, ExportRow, VersionRow } from './rows';
import { FTS_APPLY } from './schema';

const VERSION_COLUMNS = 'namespace, key, op, kind, content, tags, importance, role, created_at, updated_at, checkpoint_id, at';

/** The parameters of one journalImport row: namespace, key, kind, content, tags, importance, role, created_at, updated_at, at. */
export const IMPORT_PARAMS = 10;
export const IMPORT_BATCH = 100;
const IMPORT_VALUES = "(?, ?, 'import', ?, ?, ?, ?, ?, ?, ?, NULL, ?)";

/** Every fixed statement of the store, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  const s = <R = unknown>(sql: string) => db.prepare<unknown[], R>(sql);
  return {
    lastSeq: s<{ seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM versions'),
    ftsApply: s(FTS_APPLY),
    ftsClear: s('DELETE FROM fts_pending'),
    /** Journals a put: created_at is kept from the existing entry, else now. */
    journalPut: s<{ seq: number; created_at: number }>(
      `INSERT INTO versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ` +
        `COALESCE((SELECT created_at FROM entries WHERE namespace = ? AND key = ?), ?), ?, ?, ?) RETURNING seq, created_at`,
    ),
    /** Journals a value with explicit timestamps (rollback, import). */
    journalValue: s<{ seq: number }>(`INSERT INTO versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`),
    /** Journals an imported value; `upsertJournaled` then applies a run of them in one statement. */
    journalImport: s(`INSERT INTO versions (${VERSION_COLUMNS}) VALUES ${IMPORT_VALUES}`),
    /** journalImport of IMPORT_BATCH values at once: one statement run instead of a hundred. */
    journalImportBatch: s(`INSERT INTO versions (${VERSION_COLUMNS}) VALUES ${Array.from({ length: IMPORT_BATCH }, () => IMPORT_VALUES).join(', ')}`),
    /** Applies every journaled value after a seq, in journal order; the run must hold one version per key. */
    upsertJournaled: s(
      'INSERT INTO entries (namespace, key, kind, content, tags, importance, role, created_at, updated_at, version) ' +
        'SELECT namespace, key, kind, content, tags, importance, role, created_at, updated_at, seq FROM versions WHERE seq > ? ORDER BY seq ' +
        'ON CONFLICT (namespace, key) DO UPDATE SET kind = excluded.kind, content = excluded.content, tags = excluded.tags, importance = excluded.importance, ' +
        'role = excluded.role, created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version',
    ),
    journalAbsent: s<{ seq: number }>(`INSERT INTO versions (namespace, key, op, checkpoint_id, at) VALUES (?, ?, ?, ?, ?) RETURNING seq`),
    upsert: s(
      'INSERT INTO entries (namespace, key, kind, content, tags, importance, role, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (namespace, key) DO UPDATE SET kind = excluded.kind, content = excluded.content, tags = excluded.tags, importance = excluded.importance, ' +
        'role = excluded.role, created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version',
    ),
    remove: s('DELETE FROM entries WHERE namespace = ? AND key = ?'),
    get: s<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE namespace = ? AND key = ?`),
    exists: s<{ one: number }>('SELECT 1 AS one FROM entries WHERE namespace = ? AND key = ?'),
    anyIn: s<{ one: number }>('SELECT 1 AS one FROM entries WHERE namespace = ? LIMIT 1'),
    /** Entries of the namespaces given as a JSON array. */
    countIn: s<{ n: number }>('SELECT COUNT(*) AS n FROM entries WHERE namespace IN (SELECT value FROM json_each(?))'),
    /** A key holding two values journaled after a seq: an import that listed it twice. */
    journaledTwice: s<{ namespace: string; key: string }>('SELECT namespace, key FROM versions WHERE seq > ? AND kind IS NOT NULL GROUP BY namespace, key HAVING COUNT(*) > 1 LIMIT 1'),
    list: s<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE namespace = ? ORDER BY updated_at DESC, version DESC LIMIT ? OFFSET ?`),
    listLong: s<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE namespace = ? AND kind = 'long' ORDER BY updated_at DESC, version DESC LIMIT ? OFFSET ?`),
    listShort: s<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries INDEXED BY entries_short WHERE namespace = ? AND kind = 'short' ORDER BY updated_at DESC, version DESC LIMIT ? OFFSET ?`),
    /** Short-term keys beyond the window (the least recently updated). */
    overflow: s<{ key: string }>("SELECT key FROM entries INDEXED BY entries_short WHERE namespace = ? AND kind = 'short' ORDER BY updated_at DESC, version DESC LIMIT -1 OFFSET ?"),
    countAll: s<{ n: number }>('SELECT COUNT(*) AS n FROM entries'),
    /** Whether the database holds any entry (no count: that would read a whole index). */
    anyEntry: s<{ one: number }>('SELECT 1 AS one FROM entries LIMIT 1'),
    countNamespace: s<{ n: number }>('SELECT COUNT(*) AS n FROM entries WHERE namespace = ?'),
    countByKind: s<{ kind: string; n: number }>('SELECT kind, COUNT(*) AS n FROM entries GROUP BY kind'),
    countNamespaces: s<{ n: number }>('SELECT COUNT(DISTINCT namespace) AS n FROM entries'),
    countVersions: s<{ n: number }>('SELECT COUNT(*) AS n FROM versions'),
    history: s<VersionRow>('SELECT * FROM versions WHERE namespace = ? AND key = ? ORDER BY seq'),
    versionAt: s<VersionRow>('SELECT * FROM versions WHERE seq = ?'),
    /** The last version of a key at or before a journal position. */
    versionAsOf: s<VersionRow>('SELECT * FROM versions WHERE namespace = ? AND key = ? AND seq <= ? ORDER BY seq DESC LIMIT 1'),
    /** Keys of a namespace written after a journal position: a scan of the journal's tail. */
    changedSince: s<{ key: string }>('SELECT DISTINCT key FROM versions WHERE seq > ? AND namespace = ?'),
    checkpoint: s<{ seq: number; discarded_by: string | null }>('SELECT seq, discarded_by FROM checkpoints WHERE namespace = ? AND checkpoint_id = ?'),
    markCheckpoint: s(
      'INSERT INTO checkpoints (namespace, checkpoint_id, seq, marked_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (namespace, checkpoint_id) DO UPDATE SET seq = excluded.seq, marked_at = excluded.marked_at, discarded_by = NULL WHERE discarded_by IS NOT NULL',
    ),
    discardCheckpointsAfter: s('UPDATE checkpoints SET discarded_by = ? WHERE namespace = ? AND seq > ? AND discarded_by IS NULL'),
    applied: s<{ operation: string; result: string }>('SELECT operation, result FROM applied_writes WHERE idempotency_key = ?'),
    recordApplied: s('INSERT INTO applied_writes (idempotency_key, operation, result, applied_at) VALUES (?, ?, ?, ?)'),
    /** Snapshot order is write order (the recency tie-break), so an import reproduces the ranking exactly. */
    // SQLite writes most of each line: reading nine values per row and joining them in JavaScript took twice as long.
    exportAll: s<ExportRow>(`SELECT ${EXPORT_LINE} FROM entries ORDER BY updated_at, version`).raw(),
    exportNamespace: s<ExportRow>(`SELECT ${EXPORT_LINE} FROM entries WHERE namespace = ? ORDER BY updated_at, version`).raw(),
    namespaces: s<{ namespace: string }>('SELECT DISTINCT namespace FROM entries ORDER BY namespace'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
