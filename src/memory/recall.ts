import { ENTRY_COLUMNS } from './rows';
import type { NormalizedRecall } from './validate';

/** SQL and its parameters for one recall; the SQL depends only on the query's shape, so statements are cached by it. */
export interface RecallPlan {
  sql: string;
  params: Array<string | number>;
}

/**
 * A text recall in two stages: `top` ranks only the best `candidates` full-text matches by bm25
 * alone (no row reads), then reads and filters those; `full` ranks every match and is run only
 * when the first stage cannot prove its answer exact (see `fromTopCandidates`).
 */
export interface TextPlan {
  top: RecallPlan;
  full: RecallPlan;
  limit: number;
  candidates: number;
}

/** A row of the first stage: its bm25 score and whether it passes the query's filters. */
export interface ScoredRow {
  score: number;
  keep: number;
}

/** At most this many words of a text query reach FTS5; the rest add cost, not relevance. */
export const MAX_QUERY_TERMS = 16;

const RANK_ORDER = 'importance DESC, updated_at DESC, version DESC';

/** The distinct words of a text query, lowercased, at most MAX_QUERY_TERMS of them. */
export function queryWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])].slice(0, MAX_QUERY_TERMS);
}

/** Words as an FTS5 expression: each a quoted term (operators and punctuation stay inert), any of them may match. */
export function anyOf(words: string[]): string {
  return words.map((w) => `"${w}"`).join(' OR ');
}

/**
 * The FTS5 query for free text: every word as a quoted term, any of them may match (bm25 ranks
 * entries matching more and rarer words first). Undefined when the text has no words.
 */
export function ftsQuery(text: string): string | undefined {
  const words = queryWords(text);
  return words.length === 0 ? undefined : anyOf(words);
}

function filters(query: NormalizedRecall, alias: string): { sql: string; params: Array<string | number> } {
  const clauses = [`${alias}importance >= ?`];
  const params: Array<string | number> = [query.minImportance];
  if (query.kinds.length === 1) {
    clauses.push(`${alias}kind = ?`);
    params.push(query.kinds[0]);
  }
  if (query.tags.length > 0) {
    clauses.push(`EXISTS (SELECT 1 FROM json_each(${alias}tags) WHERE value IN (${marks(query.tags.length)}))`);
    params.push(...query.tags);
  }
  return { sql: clauses.join(' AND '), params };
}

/**
 * Without text: each namespace is walked along the rank index, stopping at the limit, and the
 * per-namespace heads are merged — cost grows with the limit, not with the namespace size.
 */
export function byRank(query: NormalizedRecall): RecallPlan {
  return rankWalk(query, query.limit, () => ({ sql: '', params: [] }));
}

/**
 * The entries of the query's namespaces matching any of `words` (stop words: every match scores
 * the same), in rank order, leaving out `exclude` (ids already in the answer). Each namespace's
 * matches are found once, by the index; the rank walk then stops at the limit.
 */
export function byRankMatching(query: NormalizedRecall, words: string[], exclude: number[], limit: number): RecallPlan {
  return rankWalk(query, limit, (ns) => ({
    sql: ' AND id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?) AND id NOT IN (SELECT value FROM json_each(?))',
    params: [textMatch([ns], anyOf(words)), JSON.stringify(exclude)],
  }));
}

function rankWalk(query: NormalizedRecall, limit: number, extra: (ns: string) => { sql: string; params: Array<string | number> }): RecallPlan {
  const where = filters(query, '');
  const parts = query.namespaces.map((ns) => {
    const more = extra(ns);
    return {
      sql: `SELECT * FROM (SELECT ${ENTRY_COLUMNS} FROM entries INDEXED BY entries_rank WHERE namespace = ? AND ${where.sql}${more.sql} ORDER BY ${RANK_ORDER} LIMIT ?)`,
      params: [ns, ...where.params, ...more.params, limit],
    };
  });
  return { sql: `${parts.map((p) => p.sql).join(' UNION ALL ')} ORDER BY ${RANK_ORDER} LIMIT ?`, params: [...parts.flatMap((p) => p.params), limit] };
}

/** The full-text token of a namespace; must agree with NS_TOKEN_SQL in migrations.ts (the tokenizer folds case). */
export function namespaceToken(namespace: string): string {
  return `n${Buffer.from(namespace, 'utf8').toString('hex')}`;
}

/**
 * The FTS5 expression of a text recall: the words, in the content column only, intersected with
 * the namespaces' tokens — so only the namespaces' matches are ranked, however common the words.
 */
export function textMatch(namespaces: string[], words: string): string {
  return `(${namespaces.map((ns) => `ns_token : "${namespaceToken(ns)}"`).join(' OR ')}) AND content : (${words})`;
}

/** Candidates the first stage of a text recall ranks: enough that it is rarely inconclusive, few enough to be cheap. */
export function candidatesFor(limit: number): number {
  return Math.max(4 * limit, 40);
}

/** A text recall ranked by bm25 over `words`; see TextPlan. */
export function byText(query: NormalizedRecall, words: string[]): TextPlan {
  const match = textMatch(query.namespaces, anyOf(words));
  const where = filters(query, 'e.');
  const columns = ENTRY_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ');
  const candidates = candidatesFor(query.limit);
  const best = 'SELECT rowid AS id, bm25(entries_fts, 1.0, 0.0) AS score FROM entries_fts WHERE entries_fts MATCH ? ORDER BY score LIMIT ?';
  const top = `SELECT ${columns}, t.score AS score, ${where.sql} AS keep FROM (${best}) t CROSS JOIN entries e ON e.id = t.id ORDER BY t.score, ${RANK_ORDER}`;
  const ranked =
    'SELECT e.id AS id, bm25(entries_fts, 1.0, 0.0) AS score, e.importance AS importance, e.updated_at AS updated_at, e.version AS version ' +
    `FROM entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid WHERE entries_fts MATCH ? AND ${where.sql} ` +
    `ORDER BY score, ${RANK_ORDER} LIMIT ?`;
  const full = `SELECT ${columns} FROM (${ranked}) r CROSS JOIN entries e ON e.id = r.id ORDER BY r.score, r.importance DESC, r.updated_at DESC, r.version DESC`;
  return {
    // Placeholders number in text order: the filters in the select list come before the MATCH.
    top: { sql: top, params: [...where.params, match, candidates] },
    full: { sql: full, params: [match, ...where.params, query.limit] },
    limit: query.limit,
    candidates,
  };
}

/**
 * The answer of a text recall from its first stage, or undefined when that stage cannot prove it
 * exact. `rows` are the best `candidates` matches by score, ordered as the answer is. Matches not
 * fetched score at least as badly as the last one fetched, so the filtered rows scoring strictly
 * better than it are final — enough of them, and they are the answer.
 */
export function fromTopCandidates<T extends ScoredRow>(rows: T[], limit: number, candidates: number): T[] | undefined {
  const kept = rows.filter((r) => r.keep === 1);
  if (rows.length < candidates) return kept.slice(0, limit);
  const worst = rows[rows.length - 1].score;
  const final = kept.filter((r) => r.score < worst);
  return final.length >= limit ? final.slice(0, limit) : undefined;
}

/** The longest prefix of a ranking whose total content length fits the budget. */
export function withinBudget<T extends { content: string }>(ranked: T[], maxChars: number | undefined): T[] {
  if (maxChars === undefined) return ranked;
  let used = 0;
  let end = 0;
  while (end < ranked.length && used + ranked[end].content.length <= maxChars) {
    used += ranked[end].content.length;
    end += 1;
  }
  return ranked.slice(0, end);
}

function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
