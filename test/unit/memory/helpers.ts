import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OpenOptions, SQLiteMemory } from '../../../src/memory';
import { useTempFiles } from '../../helpers/temp-files';

/**
 * A fresh temp folder for each test of the file that calls it; memories opened through `open`
 * are closed and the folder removed after each test.
 */
export function useTempDir() {
  return useTempFiles('dreamos-memory-', 'memory.db', (file, options?: OpenOptions) => SQLiteMemory.open(file, options));
}

/** A clock that advances 1 ms per reading, so recency in tests does not depend on wall time. */
export function steppingClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}

/** Every row of every table, read through a separate connection: equal fingerprints mean an untouched database. */
export function fingerprint(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = ['entries', 'versions', 'checkpoints', 'applied_writes', 'schema_version', 'fts_pending', 'entries_fts_data'];
    // The schema too: an import into an empty database drops and rebuilds indexes inside its transaction.
    const schema = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    return JSON.stringify([schema, ...tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all())]);
  } finally {
    db.close();
  }
}

/** Runs `fn` and returns what it threw (failing the test when it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Child processes run the compiled memory module; refuse to test a build older than the sources. */
export function requireFreshBuild(): void {
  const newest = (dir: string, ext: string): number =>
    Math.max(
      ...fs.readdirSync(dir, { withFileTypes: true }).map((f) => {
        const file = path.join(dir, f.name);
        if (f.isDirectory()) return newest(file, ext);
        return f.name.endsWith(ext) ? fs.statSync(file).mtimeMs : 0;
      }),
    );
  const built = path.join(ROOT, 'dist', 'src', 'memory');
  if (!fs.existsSync(path.join(built, 'SQLiteMemory.js')) || newest(built, '.js') < newest(path.join(ROOT, 'src', 'memory'), '.ts')) {
    throw new Error('dist/src/memory is missing or older than src/memory: run `npm run build` first (`npm test` does).');
  }
}
