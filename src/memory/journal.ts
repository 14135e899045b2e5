import { EntryRow, StoredValue } from './rows';
import type { Statements } from './statements';
import type { MemoryEntry, VersionOp } from './types';
import type { NormalizedValue } from './validate';

/**
 * The only writers of `entries`: each change is appended to the version journal first, then applied,
 * inside the caller's transaction. `entries.version` is the journal seq of the value it holds.
 */

/** A put by a caller: createdAt kept from an existing entry, updatedAt now. */
export function putValue(st: Statements, ns: string, key: string, value: NormalizedValue, checkpointId: string | null, now: number): { entry: MemoryEntry; seq: number } {
  const tags = JSON.stringify(value.tags);
  const journal = st.journalPut.get(ns, key, 'put', value.kind, value.content, tags, value.importance, value.role, ns, key, now, now, checkpointId, now);
  const { seq, created_at: createdAt } = journal as { seq: number; created_at: number };
  st.upsert.run(ns, key, value.kind, value.content, tags, value.importance, value.role, createdAt, now, seq);
  return { entry: { namespace: ns, key, ...value, createdAt, updatedAt: now }, seq };
}

/** Sets a key to a stored value with its own timestamps (rollback, import). */
export function restoreValue(st: Statements, ns: string, key: string, op: VersionOp, value: StoredValue, checkpointId: string | null, now: number): void {
  const tags = JSON.stringify(value.tags);
  const journal = st.journalValue.get(ns, key, op, value.kind, value.content, tags, value.importance, value.role, value.createdAt, value.updatedAt, checkpointId, now);
  const { seq } = journal as { seq: number };
  st.upsert.run(ns, key, value.kind, value.content, tags, value.importance, value.role, value.createdAt, value.updatedAt, seq);
}

/** Deletes a key; journals only when it existed. Returns whether it did. */
export function removeKey(st: Statements, ns: string, key: string, op: VersionOp, checkpointId: string | null, now: number): boolean {
  if (st.remove.run(ns, key).changes === 0) return false;
  st.journalAbsent.get(ns, key, op, checkpointId, now);
  return true;
}

/** Whether an entry row already holds exactly this value. */
export function holds(row: EntryRow | undefined, value: StoredValue): boolean {
  return (
    row !== undefined &&
    row.kind === value.kind &&
    row.content === value.content &&
    row.tags === JSON.stringify(value.tags) &&
    row.importance === value.importance &&
    row.role === value.role &&
    row.created_at === value.createdAt &&
    row.updated_at === value.updatedAt
  );
}
