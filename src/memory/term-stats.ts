import type Database from 'better-sqlite3';
import type { Statements } from './statements';

/** Below this many memories every query word ranks: document frequencies say little, and ranking them all is cheap. */
export const STOP_WORD_MIN_ENTRIES = 1_000;

/** A cached count is reused until the journal has moved on by this share of the memories (or by 100 records, if more). */
const STALE_AFTER_SHARE = 0.02;
const STALE_AFTER_MIN = 100;
const CACHED_WORDS = 10_000;

interface Counted {
  value: number;
  /** The journal's last seq when it was counted. */
  seq: number;
}

/** A text query's words, split by how many memories contain them. */
export interface WordSplit {
  /** Words bm25 ranks by. */
  ranked: string[];
  /** Words in more than half of all memories: bm25 gives them no weight (FTS5 clamps their idf), so they only match. */
  stop: string[];
}

/**
 * How many memories contain each word, for telling stop words apart. Counting a common word walks
 * its whole posting list (milliseconds at 100k memories), which is the cost stop words exist to
 * avoid, so counts are cached and taken again once the journal has moved on by 2 % of the
 * memories: a word's share can only have drifted by about that much since.
 */
export class TermStats {
  private readonly docs: Database.Statement<[string], { doc: number }>;
  private readonly counts = new Map<string, Counted>();
  private total: Counted | undefined;

  constructor(
    db: Database.Database,
    private readonly st: Pick<Statements, 'lastSeq' | 'countAll'>,
  ) {
    // A temp table is private to this connection: nothing is written to the database file.
    db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.entries_vocab USING fts5vocab(main, 'entries_fts', 'row')");
    this.docs = db.prepare('SELECT doc FROM temp.entries_vocab WHERE term = ?');
  }

  split(words: string[]): WordSplit {
    const seq = this.st.lastSeq.get()!.seq;
    let total = this.total;
    if (!isFresh(total, seq, total?.value ?? 0)) total = this.total = { value: this.st.countAll.get()!.n, seq };
    const entries = total.value;
    if (entries < STOP_WORD_MIN_ENTRIES) return { ranked: words, stop: [] };
    const ranked: string[] = [];
    const stop: string[] = [];
    for (const word of words) (this.documentsWith(word, seq, entries) * 2 > entries ? stop : ranked).push(word);
    return { ranked, stop };
  }

  private documentsWith(word: string, seq: number, entries: number): number {
    let counted = this.counts.get(word);
    if (!isFresh(counted, seq, entries)) {
      if (this.counts.size >= CACHED_WORDS) this.counts.clear();
      counted = { value: this.docs.get(word)?.doc ?? 0, seq };
      this.counts.set(word, counted);
    }
    return counted.value;
  }
}

/** Whether a count taken at journal seq `counted.seq` still holds at `seq`, in a store of `entries` memories. */
function isFresh(counted: Counted | undefined, seq: number, entries: number): counted is Counted {
  if (counted === undefined) return false;
  const moved = seq - counted.seq;
  return moved >= 0 && moved <= Math.max(STALE_AFTER_MIN, Math.floor(entries * STALE_AFTER_SHARE));
}
