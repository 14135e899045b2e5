import { holds, removeKey } from './journal';
import type { Snapshot } from './snapshot';
import { IMPORT_BATCH, IMPORT_PARAMS, Statements } from './statements';

/**
 * Makes each namespace the snapshot covers hold exactly its entries, journaled as op `import`:
 * keys the snapshot lacks are deleted, entries are written in snapshot (write) order, and entries
 * already holding the snapshot's value are left alone. Runs in the caller's transaction.
 */
export function applySnapshot(st: Statements, snapshot: Snapshot, now: number): { written: number; removed: number } {
  const incoming = new Map<string, Set<string>>(snapshot.namespaces.map((ns) => [ns, new Set<string>()]));
  for (const { namespace, key } of snapshot.entries) incoming.get(namespace)!.add(key);
  const existing = new Map<string, Set<string>>();
  let removed = 0;
  for (const [ns, keys] of incoming) {
    const present = new Set(st.keysOf.all(ns).map((r) => r.key));
    existing.set(ns, present);
    for (const key of present) {
      if (!keys.has(key) && removeKey(st, ns, key, 'import', null, now)) removed += 1;
    }
  }
  // Statement runs, not SQLite, dominate a large import: the values are journaled a hundred rows
  // per statement, then applied to entries in one.
  const lastSeq = st.lastSeq.get()!.seq;
  const params: unknown[] = [];
  for (const { namespace, key, ...value } of snapshot.entries) {
    if (existing.get(namespace)!.has(key) && holds(st.get.get(namespace, key), value)) continue;
    params.push(namespace, key, value.kind, value.content, JSON.stringify(value.tags), value.importance, value.role, value.createdAt, value.updatedAt, now);
  }
  const batch = IMPORT_BATCH * IMPORT_PARAMS;
  let at = 0;
  for (; at + batch <= params.length; at += batch) st.journalImportBatch.run(params.slice(at, at + batch));
  for (; at < params.length; at += IMPORT_PARAMS) st.journalImport.run(params.slice(at, at + IMPORT_PARAMS));
  const written = params.length / IMPORT_PARAMS;
  if (written > 0) st.upsertJournaled.run(lastSeq);
  return { written, removed };
}
