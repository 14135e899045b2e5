/** Short-term entries are recent turns kept in a bounded window; long-term entries are durable facts and decisions. */
export type MemoryKind = 'short' | 'long';

export const MEMORY_KINDS: readonly MemoryKind[] = ['short', 'long'];

/** One memory as stored: the latest value of a key in a namespace. */
export interface MemoryEntry {
  /** `agent:<mission>:<task>`, `mission:<mission>`, or any other non-empty name. */
  namespace: string;
  key: string;
  kind: MemoryKind;
  content: string;
  tags: string[];
  /** 0 (trivia) .. 1 (must remember). */
  importance: number;
  /** Who said it, for turns appended with `appendTurn`; null for facts written with `put`. */
  role: string | null;
  /** Epoch ms of the first write since the key last did not exist. */
  createdAt: number;
  /** Epoch ms of the latest write. */
  updatedAt: number;
}

/** The value a caller writes with `put`. */
export interface MemoryValue {
  content: string;
  /** Default `[]`. */
  tags?: string[];
  /** 0..1, default 0.5. */
  importance?: number;
  /** Default `long`. */
  kind?: MemoryKind;
}

/** A turn of a conversation, appended to the short-term window of a namespace. */
export interface MemoryTurn {
  role: string;
  content: string;
  /** Default `[]`. */
  tags?: string[];
  /** 0..1, default 0.5. */
  importance?: number;
}

/** Context every write may carry. */
export interface WriteMeta {
  /**
   * Makes the write happen at most once: a second write with the same key is a no-op that returns
   * the first result. Workflows use `workflowId:step:attempt:purpose`.
   */
  idempotencyKey?: string;
  /**
   * The checkpoint the writer works from (the agent's last one), recorded in the journal. The first
   * write tagged with a checkpoint that is not marked in its namespace marks it just before itself,
   * so `rollbackTo(namespace, checkpointId)` undoes that write and every later one even when the
   * checkpoint was never marked explicitly.
   */
  checkpointId?: string;
}

/** What happened to a key in one journal record. */
export type VersionOp = 'put' | 'delete' | 'rollback' | 'import' | 'trim';

/** One record of the version journal. `value` is null when the op left the key absent. */
export interface MemoryVersion {
  /** Global, strictly increasing journal sequence number. */
  seq: number;
  namespace: string;
  key: string;
  op: VersionOp;
  value: Omit<MemoryEntry, 'namespace' | 'key'> | null;
  checkpointId: string | null;
  /** Epoch ms of the write. */
  at: number;
}

export interface RecallQuery {
  /** Where to look; at least one. */
  namespaces: string[];
  /** Keep entries that carry at least one of these tags. */
  tags?: string[];
  /**
   * Full-text match (FTS5; entries containing any of the words, case and accents folded); ranks by
   * bm25 before importance and recency. At most 16 distinct words are used. Once there are 1 000
   * memories, a word found in more than half of them is a stop word: it still matches, but entries
   * matching only stop words rank after those matching another word, by importance and recency
   * (bm25 gives such a word no weight; ranking by it cost most of a text recall's time).
   */
  text?: string;
  /** Default: both kinds. */
  kinds?: MemoryKind[];
  /** Keep entries at least this important. Default 0. */
  minImportance?: number;
  /** At most this many entries. Default 20, at most 1000. */
  limit?: number;
  /**
   * Budget on the total `content` length: the result is the longest prefix of the ranking that
   * fits, so a long, more relevant entry is never skipped in favour of a short, less relevant one.
   */
  maxChars?: number;
}

export interface ListOptions {
  kind?: MemoryKind;
  /** Default 100. */
  limit?: number;
  /** Default 0. */
  offset?: number;
}

export interface MemoryStats {
  entries: number;
  namespaces: number;
  shortTerm: number;
  longTerm: number;
  /** Records in the version journal. */
  versions: number;
  /** Size of the database file plus its WAL. */
  fileBytes: number;
}

export interface RollbackResult {
  /** Keys put back to their value at the checkpoint. */
  restored: number;
  /** Keys that did not exist at the checkpoint and were deleted. */
  removed: number;
}

export interface OpenOptions {
  /** Short-term entries kept per namespace by `appendTurn`. Default 50. */
  shortTermWindow?: number;
  /**
   * `normal` (default): WAL + synchronous=NORMAL. A committed write survives a crash or SIGKILL of
   * the process (it is in the WAL, handed to the OS); a power loss may drop the last commits.
   * `full`: synchronous=FULL, fsync on every commit; survives power loss too, at a write-speed cost.
   */
  durability?: 'normal' | 'full';
  /** Milliseconds a write waits for another connection's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock for timestamps (epoch ms). Default `Date.now`. */
  now?: () => number;
}
