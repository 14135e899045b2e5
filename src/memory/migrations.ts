/**
 * The memory database schema, one forward step at a time. Never edit a released migration (one that
 * was committed); append a new one. Version 1 was released twice: without, then with, the entries'
 * ns_token column; version 2 migrates both.
 */
/** One forward step of the schema. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * SQL for the full-text token of a namespace: `n` + the hex of its UTF-8 bytes, one alphanumeric
 * token that no other namespace shares. Must agree with `namespaceToken` in recall.ts.
 */
export const NS_TOKEN_SQL = (column: string) => `'n' || hex(${column})`;

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
  {
    version: 2,
    description: 'full-text changes queued and applied once per transaction; FTS reads namespaces through a view; leaner indexes',
    // FTS5 writes its pending postings to disk at every statement savepoint, so version 1's triggers,
    // writing to it row by row, stored every row as a segment of its own. The triggers now queue the
    // changes in fts_pending and FTS_APPLY indexes them in one statement before each commit. The
    // index reads the namespace token through a view, which also migrates databases whose entries
    // table predates its ns_token column (the first version 1).
    sql: `
      DROP TRIGGER entries_fts_insert;
      DROP TRIGGER entries_fts_delete;
      DROP TRIGGER entries_fts_update;
      DROP TABLE entries_fts;
      CREATE VIEW entries_text AS SELECT id, content, ${NS_TOKEN_SQL('namespace')} AS ns_token FROM entries;
      CREATE VIRTUAL TABLE entries_fts USING fts5(content, ns_token, content = 'entries_text', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
      INSERT INTO entries_fts (entries_fts) VALUES ('rebuild');

      -- old_content is the indexed content a change removes; null for an insert.
      CREATE TABLE fts_pending (
        id INTEGER PRIMARY KEY,
        row_id INTEGER NOT NULL,
        old_content TEXT,
        old_ns_token TEXT
      );
      CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
        INSERT INTO fts_pending (row_id) VALUES (new.id);
      END;
      CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
        INSERT INTO fts_pending (row_id, old_content, old_ns_token) VALUES (old.id, old.content, ${NS_TOKEN_SQL('old.namespace')});
      END;
      CREATE TRIGGER entries_fts_update AFTER UPDATE OF content ON entries BEGIN
        INSERT INTO fts_pending (row_id, old_content, old_ns_token) VALUES (old.id, old.content, ${NS_TOKEN_SQL('old.namespace')});
      END;

      -- Only short-term entries need a recency index (window trimming); long-term writes skip it.
      DROP INDEX entries_kind;
      CREATE INDEX entries_short ON entries (namespace, updated_at DESC, version DESC) WHERE kind = 'short';
      -- A rollback finds the keys changed since its checkpoint by scanning the journal's tail.
      DROP INDEX versions_namespace;
    `,
  },
];
