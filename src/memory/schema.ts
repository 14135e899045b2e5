import type Database from 'better-sqlite3';
import { DreamError } from '../errors';
import { MEMORY_ERRORS } from './errors';

/** One forward step of the schema. Never edit a released migration; append a new one. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * SQL for the full-text token of a namespace: `n` + the hex of its UTF-8 bytes, one alphanumeric
 * token that no other namespace shares. Must agree with `namespaceToken` in recall.ts.
 */
const NS_TOKEN_SQL = (column: string) => `'n' || hex(${column})`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'entries with FTS5 index, version journal, checkpoints, applied idempotency keys',
    sql: `
      CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('short', 'long')),
        content TEXT NOT NULL,
        tags TEXT NOT NULL,
        importance REAL NOT NULL CHECK (importance BETWEEN 0 AND 1),
        role TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        -- The namespace as one full-text token, so a text recall intersects the namespace's postings
        -- instead of ranking matches from every namespace (see namespaceToken in recall.ts).
        ns_token TEXT GENERATED ALWAYS AS (${NS_TOKEN_SQL('namespace')}) VIRTUAL,
        UNIQUE (namespace, key)
      );
      -- recall walks this index in rank order and stops at the limit; kind is here so filtering on it needs no row read.
      CREATE INDEX entries_rank ON entries (namespace, importance DESC, updated_at DESC, version DESC, kind);
      -- short-term window trimming and list by kind.
      CREATE INDEX entries_kind ON entries (namespace, kind, updated_at DESC, version DESC);

      CREATE VIRTUAL TABLE entries_fts USING fts5(content, ns_token, content = 'entries', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
      CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
        INSERT INTO entries_fts (rowid, content, ns_token) VALUES (new.id, new.content, ${NS_TOKEN_SQL('new.namespace')});
      END;
      CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, content, ns_token) VALUES ('delete', old.id, old.content, ${NS_TOKEN_SQL('old.namespace')});
      END;
      CREATE TRIGGER entries_fts_update AFTER UPDATE OF content ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, content, ns_token) VALUES ('delete', old.id, old.content, ${NS_TOKEN_SQL('old.namespace')});
        INSERT INTO entries_fts (rowid, content, ns_token) VALUES (new.id, new.content, ${NS_TOKEN_SQL('new.namespace')});
      END;

      -- The version journal: every write, append-only. A null kind means the op left the key absent.
      CREATE TABLE versions (
        seq INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('put', 'delete', 'rollback', 'import', 'trim')),
        kind TEXT,
        content TEXT,
        tags TEXT,
        importance REAL,
        role TEXT,
        created_at INTEGER,
        updated_at INTEGER,
        checkpoint_id TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX versions_key ON versions (namespace, key, seq);
      CREATE INDEX versions_namespace ON versions (namespace, seq);

      -- seq: the last journal record applied when the checkpoint was marked.
      CREATE TABLE checkpoints (
        namespace TEXT NOT NULL,
        checkpoint_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        marked_at INTEGER NOT NULL,
        discarded_by TEXT,
        PRIMARY KEY (namespace, checkpoint_id)
      ) WITHOUT ROWID;

      CREATE TABLE applied_writes (
        idempotency_key TEXT PRIMARY KEY,
        operation TEXT NOT NULL,
        result TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

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
