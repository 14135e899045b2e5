import type Database from 'better-sqlite3';

/** Entries that disagree with the journal: the wrong version, a later version exists, or different values. */
const JOURNAL_MISMATCH = `
  SELECT e.namespace, e.key FROM entries e LEFT JOIN versions v ON v.seq = e.version
  WHERE v.seq IS NULL OR v.namespace IS NOT e.namespace OR v.key IS NOT e.key OR v.kind IS NOT e.kind
     OR v.content IS NOT e.content OR v.tags IS NOT e.tags OR v.importance IS NOT e.importance OR v.role IS NOT e.role
     OR v.created_at IS NOT e.created_at OR v.updated_at IS NOT e.updated_at
     OR EXISTS (SELECT 1 FROM versions later WHERE later.namespace = e.namespace AND later.key = e.key AND later.seq > e.version)
  LIMIT 10`;

/** Keys whose last journal record holds a value but that have no entry. */
const MISSING_ENTRIES = `
  SELECT v.namespace, v.key FROM versions v
  WHERE v.kind IS NOT NULL
    AND v.seq = (SELECT MAX(seq) FROM versions w WHERE w.namespace = v.namespace AND w.key = v.key)
    AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.namespace = v.namespace AND e.key = v.key)
  LIMIT 10`;

/**
 * Full consistency check (reads everything; for tests, the CLI and after a crash, not for hot paths):
 * SQLite page integrity, FTS index against the entries table, entries against the journal.
 */
export function verifyDatabase(db: Database.Database): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  if (integrity.length !== 1 || integrity[0].integrity_check !== 'ok') problems.push(...integrity.map((r) => `sqlite: ${r.integrity_check}`));
  const pending = (db.prepare('SELECT COUNT(*) AS n FROM fts_pending').get() as { n: number }).n;
  if (pending > 0) problems.push(`full-text index has ${pending} committed change(s) not applied: a writer bypassed SQLiteMemory`);
  try {
    db.prepare("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)").run();
  } catch (err) {
    problems.push(`full-text index out of sync with entries: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const row of db.prepare(JOURNAL_MISMATCH).all() as Array<{ namespace: string; key: string }>) {
    problems.push(`entry "${row.key}" of "${row.namespace}" differs from its latest journal version`);
  }
  for (const row of db.prepare(MISSING_ENTRIES).all() as Array<{ namespace: string; key: string }>) {
    problems.push(`entry "${row.key}" of "${row.namespace}" is missing although the journal holds a value`);
  }
  return problems;
}
