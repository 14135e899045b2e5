import fs from 'node:fs';
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

describe('schema migrations', () => {
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
