import { holds, removeKey, restoreValue } from './journal';
import type { Snapshot } from './snapshot';
import type { Statements } from './statements';

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
  let written = 0;
  for (const { namespace, key, ...value } of snapshot.entries) {
    if (existing.get(namespace)!.has(key) && holds(st.get.get(namespace, key), value)) continue;
    restoreValue(st, namespace, key, 'import', value, null, now);
    written += 1;
  }
  return { written, removed };
}
