import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DreamError } from '../../../src/errors';
import { LATEST_SCHEMA_VERSION, MEMORY_ERRORS, MIGRATIONS, SQLiteMemory } from '../../../src/memory';
import { migrate, schemaVersion } from '../../../src/memory/schema';
import { thrown, useTempDir } from './helpers';

const tmp = useTempDir();

function versions(file: string): Array<{ version: number; applied_at: number }> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT version, applied_at FROM schema_version ORDER BY version').all() as Array<{ version: number; applied_at: number }>;
  } finally {
    db.close();
  }
}

/** Builds a database at schema version 1 as a released build left it, with two entries written by its triggers. */
type VersionOneBuilder = (db: Database.Database, file: string) => void;

const firstRelease: VersionOneBuilder = (db) => {
  db.exec(fs.readFileSync(path.join(__dirname, 'fixtures', 'schema-v1-first-release.sql'), 'utf8'));
  db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  db.prepare('INSERT INTO schema_version VALUES (1, ?, 0)').run(MIGRATIONS[0].description);
};
const secondRelease: VersionOneBuilder = (db, file) => {
  migrate(db, file, MIGRATIONS.slice(0, 1));
};

function writeAtVersionOne(db: Database.Database): void {
  const journal = db.prepare("INSERT INTO versions (namespace, key, op, kind, content, tags, importance, created_at, updated_at, at) VALUES (?, ?, 'put', 'long', ?, '[]', 0.5, 1, 1, 1)");
  const entry = db.prepare("INSERT INTO entries (namespace, key, kind, content, tags, importance, created_at, updated_at, version) VALUES (?, ?, 'long', ?, '[]', 0.5, 1, 1, ?)");
  for (const [ns, key, content] of [['mission:m1', 'pricing', 'Charge per seat'], ['mission:m2', 'pricing', 'Charge per seat, yearly']]) {
    entry.run(ns, key, content, journal.run(ns, key, content).lastInsertRowid);
  }
}

describe('schema migrations', () => {
  test.each([
    ['first', firstRelease],
    ['second', secondRelease],
  ])('a database left at version 1 by its %s release is migrated to the latest with its entries searchable', (_release, build) => {
    const db = new Database(tmp.path('memory.db'));
    build(db, tmp.path('memory.db'));
    writeAtVersionOne(db);
    db.close();

    const memory = tmp.open();
    expect(versions(tmp.path('memory.db')).map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(memory.recall({ namespaces: ['mission:m1'], text: 'seat' }).map((e) => e.content)).toEqual(['Charge per seat']);
    memory.put('mission:m1', 'pricing', { content: 'Charge per team' });
    expect(memory.recall({ namespaces: ['mission:m1', 'mission:m2'], text: 'seat team' }).map((e) => e.content)).toEqual(['Charge per team', 'Charge per seat, yearly']);
    expect(memory.verify()).toEqual({ ok: true, problems: [] });
  });

  test('a new file is migrated to the latest schema version, one schema_version row per migration', () => {
    tmp.open().close();
    expect(versions(tmp.path('memory.db')).map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
  });

  test('opening a database again does not re-run its migrations', () => {
    const first = tmp.open();
    first.put('mission:m1', 'k', { content: 'kept' });
    first.close();
    const before = versions(tmp.path('memory.db'));

    const second = tmp.open();
    expect(versions(tmp.path('memory.db'))).toEqual(before);
    expect(second.get('mission:m1', 'k')?.content).toBe('kept');

    const db = new Database(tmp.path('memory.db'));
    expect(migrate(db, tmp.path('memory.db'))).toEqual([]);
    db.close();
  });

  test('a database written by a newer release is refused with a clear DreamError and left as it is', () => {
    tmp.open().close();
    const db = new Database(tmp.path('memory.db'));
    db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (99, ?, 0)').run('from the future');
    db.close();

    const err = thrown(() => tmp.open()) as DreamError;

    expect(err).toBeInstanceOf(DreamError);
    expect(err.code).toBe(MEMORY_ERRORS.schemaTooNew);
    expect(err.message).toContain(tmp.path('memory.db'));
    expect(err.message).toMatch(new RegExp(`schema version 99, but this Dream.OS only knows versions up to ${LATEST_SCHEMA_VERSION}`));
    expect(err.fix).toMatch(/Upgrade Dream.OS/);
    expect(versions(tmp.path('memory.db')).map((v) => v.version)).toEqual([...MIGRATIONS.map((m) => m.version), 99]);
  });

  test('pending migrations apply in one transaction: a failing one leaves the database at its old version', () => {
    tmp.open().close();
    const db = new Database(tmp.path('memory.db'));
    const broken = [
      ...MIGRATIONS,
      { version: LATEST_SCHEMA_VERSION + 1, description: 'good', sql: 'CREATE TABLE added_by_good (a)' },
      { version: LATEST_SCHEMA_VERSION + 2, description: 'bad', sql: 'SELECT no_such_column FROM entries' },
    ];

    expect(() => migrate(db, tmp.path('memory.db'), broken)).toThrow(/no such column/);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'added_by_good'").get()).toEqual({ n: 0 });
    db.close();
  });

  test('a file that is not a SQLite database is refused with MEMORY_OPEN_FAILED and left as it is', () => {
    fs.writeFileSync(tmp.path('memory.db'), 'plain text, not sqlite '.repeat(100));
    const err = thrown(() => SQLiteMemory.open(tmp.path('memory.db'))) as DreamError;

    expect(err.code).toBe(MEMORY_ERRORS.openFailed);
    expect(err.message).toMatch(/not a database/);
    expect(err.fix).toMatch(/--db/);
    expect(fs.readFileSync(tmp.path('memory.db'), 'utf8')).toBe('plain text, not sqlite '.repeat(100));
  });

  test('the folder of a new database file is created', () => {
    const memory = SQLiteMemory.open(tmp.path('nested/deeper/memory.db'));
    memory.close();
    expect(fs.existsSync(tmp.path('nested/deeper/memory.db'))).toBe(true);
  });
});
