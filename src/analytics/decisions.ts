/**
 * The supervisor's decisions as the mission workflow records them (heal attempts of strategy
 * `supervisor:<kind>`, and hand-off events of strategy `supervisor:hand-off`; message `<cause>:
 * <reason>`): how often each decision was taken for each cause, and how often the task then
 * completed (a hand-off: the follow-up task did; a refused one never does). Read from the raw
 * events (kept for the retention period).
 */
import type Database from 'better-sqlite3';
import type { TimeRange } from './queries';

export interface DecisionRateRow {
  /** reassign, split, retry-later, abandon, hand-off. */
  decision: string;
  /** What the decision was about: the escalation reason (attempt-budget, rollback-limit, ...) or timed-out, terminated, failed; for a hand-off `hand-off to <role>`. */
  cause: string;
  decisions: number;
  /** Decisions after which the task completed. */
  resolved: number;
}

export function decisionRates(db: Database.Database, range: TimeRange): DecisionRateRow[] {
  const rows = db
    .prepare<[number, number], { strategy: string; cause: string; decisions: number; resolved: number }>(
      `SELECT strategy, CASE WHEN instr(message, ':') > 0 THEN substr(message, 1, instr(message, ':') - 1) ELSE '' END AS cause,
              COUNT(*) AS decisions, SUM(outcome IN ('healed', 'resolved')) AS resolved
       FROM failure_events INDEXED BY failure_events_at
       WHERE at >= ? AND at < ? AND kind IN ('heal-attempt', 'hand-off') AND strategy LIKE 'supervisor:%'
       GROUP BY 1, 2 ORDER BY decisions DESC`,
    )
    .all(range.since, range.until ?? Number.MAX_SAFE_INTEGER);
  return rows.map((r) => ({ decision: r.strategy.slice('supervisor:'.length), cause: r.cause, decisions: r.decisions, resolved: r.resolved }));
}
