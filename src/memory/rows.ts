import type { MemoryEntry, MemoryKind, MemoryVersion, VersionOp } from './types';

/** An `entries` row as SQLite returns it. */
export interface EntryRow {
  id: number;
  namespace: string;
  key: string;
  kind: MemoryKind;
  content: string;
  tags: string;
  importance: number;
  role: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

/** A `versions` row; the value columns are null when the op left the key absent. */
export interface VersionRow {
  seq: number;
  namespace: string;
  key: string;
  op: VersionOp;
  kind: MemoryKind | null;
  content: string | null;
  tags: string | null;
  importance: number | null;
  role: string | null;
  created_at: number | null;
  updated_at: number | null;
  checkpoint_id: string | null;
  at: number;
}

export const ENTRY_COLUMNS = 'id, namespace, key, kind, content, tags, importance, role, created_at, updated_at, version';

/**
 * An entry's `canonicalEntry` JSON, built by SQLite around its importance: `head` + the importance
 * as JavaScript writes it + `tail`. SQLite's json_quote escapes text exactly as JSON.stringify does
 * (test/unit/memory/snapshot.test.ts holds it to that); it writes reals differently (1.0, 1.0e-07),
 * so the one real is left to JavaScript. Tags go through json(), which gives their compact form.
 */
export const EXPORT_LINE =
  `'{"namespace":' || json_quote(namespace) || ',"key":' || json_quote(key) || ',"kind":' || json_quote(kind) || ` +
  `',"content":' || json_quote(content) || ',"tags":' || json(tags) || ',"importance":' AS head, importance, ` +
  `',"role":' || json_quote(role) || ',"createdAt":' || created_at || ',"updatedAt":' || updated_at || '}' AS tail`;

export type ExportRow = [head: string, importance: number, tail: string];

/** The value columns of an entry or of a version that holds a value. */
type ValueColumns = Pick<EntryRow, 'kind' | 'content' | 'tags' | 'importance' | 'role' | 'created_at' | 'updated_at'>;

function valueOf(row: ValueColumns): StoredValue {
  return {
    kind: row.kind,
    content: row.content,
    tags: JSON.parse(row.tags) as string[],
    importance: row.importance,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toEntry(row: EntryRow): MemoryEntry {
  return { namespace: row.namespace, key: row.key, ...valueOf(row) };
}

export function hasValue(row: VersionRow): row is VersionRow & { kind: MemoryKind; content: string; tags: string; importance: number; created_at: number; updated_at: number } {
  return row.kind !== null;
}

/** An entry's value as a version row recorded it; undefined for a deletion. */
export type StoredValue = Omit<MemoryEntry, 'namespace' | 'key'>;

export function storedValueOf(row: VersionRow): StoredValue | undefined {
  return hasValue(row) ? valueOf(row) : undefined;
}

export function toVersion(row: VersionRow): MemoryVersion {
  return {
    seq: row.seq,
    namespace: row.namespace,
    key: row.key,
    op: row.op,
    value: storedValueOf(row) ?? null,
    checkpointId: row.checkpoint_id,
    at: row.at,
  };
}
