import type Database from 'better-sqlite3';
import { ChainSummary, percentileOfBuckets, Resolution, ResolutionFigures, resolutionRate } from './chains';
import { EventKind, FAILURE_KINDS, FailureEvent, Outcome } from '../contracts/failure-events';
import {
  alignDown,
  FrequencyRow,
  frequencySeries,
  FrequencySeries,
  HOUR_MS,
  MINUTE_MS,
  RangePart,
  TEN_MINUTES_MS,
  rangeParts,
  StrategyRateRow,
  StrategyStatRow,
  tally,
  Tally,
  TallyRow,
} from './metrics';
import { MINUTE_FLOOR_KEY, TEN_MINUTE_FLOOR_KEY } from './retention';
import { NO_TTR, TTR_LABELS, ttrBar } from './rollup';
import { ChainRow, chainFromRow, EventRow, eventFromRow, orNull } from './rows';
import type { FailureClass } from '../contracts/failure-taxonomy';

/** A time range [since, until) in ms; until defaults to the end of time. */
export interface TimeRange {
  since: number;
  until?: number;
}

export interface ResolutionReport extends ResolutionFigures {
  /** Resolved chains by time to resolution, in the bars of TTR_LABELS. */
  histogram: { label: string; count: number }[];
}

/** A recent failure with the state of its chain. */
export interface RecentFailure extends FailureEvent {
  /** null once the chain's summary has been compacted away. */
  resolution: Resolution | null;
}

/** Narrows the all-time strategy totals; every field is optional. */
export interface StrategyFilter {
  failureClass?: FailureClass;
  role?: string;
  model?: string;
  strategy?: string;
}

const FAILURE_KIND_LIST = FAILURE_KINDS.map((k) => `'${k}'`).join(', ');
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

type StrategyParams = { failureClass: string | null; role: string | null; model: string | null; strategy: string | null };
type StrategyRow = { failure_class: string; role: string; model: string; strategy: string; attempts: number; successes: number };

/** The read side of the store: prepared statements over the rollups, chains and raw events. */
export class Queries {
  private readonly tallyStmt: Database.Statement<[number, number, number], { failure_class: string; kind: string; outcome: string; count: number; tokens: number }>;
  private readonly frequencyStmt: Database.Statement<{ bucketMs: number; span: number; from: number; until: number }, { bucket: number; failure_class: string; count: number }>;
  private readonly chainRollupStmt: Database.Statement<[number, number, number], { resolution: string; ttr_bucket: number; count: number }>;
  private readonly recentStmt: Database.Statement<[number, number], EventRow & { resolution: string | null }>;
  private readonly strategyRatesStmt: Database.Statement<{ from: number; until: number; failureClass: string | null }, { failure_class: string; strategy: string; attempts: number; successes: number }>;
  private readonly strategyTotalsStmt: Database.Statement<StrategyParams, StrategyRow>;
  private readonly chainStmt: Database.Statement<[string], ChainRow>;
  private readonly chainsStmt: Database.Statement<[number, number, number], ChainRow>;
  private readonly eventsOfChainStmt: Database.Statement<[number, number, string], EventRow>;
  private readonly lastEventStmt: Database.Statement<[], { at: number | null }>;
  private readonly rawCountStmt: Database.Statement<[], { n: number }>;
  private readonly floorStmt: Database.Statement<[string], { value: number }>;

  constructor(db: Database.Database) {
    this.tallyStmt = db.prepare(`
      SELECT failure_class, kind, outcome, SUM(count) AS count, SUM(tokens) AS tokens FROM failure_rollup
      WHERE span = ? AND bucket >= ? AND bucket < ? GROUP BY failure_class, kind, outcome`);
    this.frequencyStmt = db.prepare(`
      SELECT bucket - (bucket % @bucketMs) AS bucket, failure_class, SUM(count) AS count FROM failure_rollup
      WHERE span = @span AND bucket >= @from AND bucket < @until AND kind IN (${FAILURE_KIND_LIST})
      GROUP BY 1, failure_class`);
    this.chainRollupStmt = db.prepare(`
      SELECT resolution, ttr_bucket, SUM(count) AS count FROM chain_rollup
      WHERE span = ? AND bucket >= ? AND bucket < ? GROUP BY resolution, ttr_bucket`);
    // Newest first along the `at` index; about half of all events are failures, so few rows are skipped.
    this.recentStmt = db.prepare(`
      SELECT e.*, c.resolution FROM failure_events e INDEXED BY failure_events_at
      LEFT JOIN chains c ON c.chain_id = e.chain_id
      WHERE e.kind IN (${FAILURE_KIND_LIST}) AND e.at >= ?
      ORDER BY e.at DESC, e.id DESC LIMIT ?`);
    this.strategyRatesStmt = db.prepare(`
      SELECT failure_class, strategy, SUM(attempts) AS attempts, SUM(successes) AS successes FROM strategy_rollup
      WHERE hour >= @from AND hour < @until AND (@failureClass IS NULL OR failure_class = @failureClass)
      GROUP BY failure_class, strategy ORDER BY attempts DESC, strategy, failure_class`);
    this.strategyTotalsStmt = db.prepare(`
      SELECT failure_class, role, model, strategy, attempts, successes FROM strategy_totals
      WHERE (@failureClass IS NULL OR failure_class = @failureClass) AND (@role IS NULL OR role = @role)
        AND (@model IS NULL OR model = @model) AND (@strategy IS NULL OR strategy = @strategy)
      ORDER BY attempts DESC, strategy`);
    this.chainStmt = db.prepare('SELECT * FROM chains WHERE chain_id = ?');
    this.chainsStmt = db.prepare('SELECT * FROM chains WHERE first_failure_at >= ? AND first_failure_at < ? ORDER BY first_failure_at LIMIT ?');
    // Through the time index: a chain's events lie within its summary's span.
    this.eventsOfChainStmt = db.prepare('SELECT * FROM failure_events INDEXED BY failure_events_at WHERE at >= ? AND at <= ? AND chain_id = ? ORDER BY at, id');
    this.lastEventStmt = db.prepare('SELECT MAX(at) AS at FROM failure_events');
    this.rawCountStmt = db.prepare('SELECT COUNT(*) AS n FROM failure_events');
    this.floorStmt = db.prepare('SELECT value FROM analytics_meta WHERE key = ?');
  }

  /**
   * The rollup reads that answer a range: exact to the minute where minute rollups are kept,
   * widened to the next coarser span where compaction has removed the finer one.
   */
  protected partsOf(range: TimeRange): RangePart[] {
    let from = alignDown(range.since, MINUTE_MS);
    let until = range.until === undefined ? END_OF_TIME : Math.ceil(range.until / MINUTE_MS) * MINUTE_MS;
    const floors: [number, number][] = [
      [this.floorStmt.get(MINUTE_FLOOR_KEY)?.value ?? 0, TEN_MINUTES_MS],
      [this.floorStmt.get(TEN_MINUTE_FLOOR_KEY)?.value ?? 0, HOUR_MS],
    ];
    for (const [floor, coarser] of floors) {
      if (from < floor) from = alignDown(from, coarser);
      if (until < floor) until = Math.ceil(until / coarser) * coarser;
    }
    return rangeParts(from, until);
  }

  /** Event counts by class, kind and outcome over a range, from the rollups. */
  tally(range: TimeRange): Tally {
    const rows: TallyRow[] = this.partsOf(range).flatMap((part) =>
      this.tallyStmt.all(part.span, part.from, part.until).map((r) => ({
        failureClass: orNull<FailureClass>(r.failure_class),
        kind: r.kind as EventKind,
        outcome: orNull<Outcome>(r.outcome),
        count: r.count,
        tokens: r.tokens,
      })),
    );
    return tally(rows);
  }

  /** Failures per class per bucket; `bucketMs` is a whole number of minutes. */
  frequency(range: TimeRange & { bucketMs: number }): FrequencySeries {
    const until = range.until ?? Date.now();
    const from = alignDown(range.since, range.bucketMs);
    const span = [HOUR_MS, TEN_MINUTES_MS].find((s) => range.bucketMs % s === 0) ?? MINUTE_MS;
    const rows: FrequencyRow[] = this.frequencyStmt
      .all({ bucketMs: range.bucketMs, span, from, until })
      .map((r) => ({ bucket: r.bucket, failureClass: orNull<FailureClass>(r.failure_class), count: r.count }));
    return frequencySeries(rows, { from, until, bucketMs: range.bucketMs });
  }

  /**
   * Chains whose first failure falls in the range: counts by resolution, resolution rate, and
   * time-to-resolution percentiles (to two significant digits, see `ttrBucket`) and histogram.
   */
  resolution(range: TimeRange): ResolutionReport {
    const counts: Record<Resolution, number> = { open: 0, resolved: 0, abandoned: 0 };
    const ttr = new Map<number, number>();
    for (const part of this.partsOf(range)) {
      for (const row of this.chainRollupStmt.all(part.span, part.from, part.until)) {
        counts[row.resolution as Resolution] += row.count;
        if (row.resolution === 'resolved' && row.ttr_bucket !== NO_TTR) ttr.set(row.ttr_bucket, (ttr.get(row.ttr_bucket) ?? 0) + row.count);
      }
    }
    const buckets = [...ttr.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value);
    const histogram = TTR_LABELS.map((label) => ({ label, count: 0 }));
    for (const bucket of buckets) histogram[ttrBar(bucket.value)].count += bucket.count;
    return {
      ...counts,
      rate: resolutionRate(counts.resolved, counts.abandoned),
      p50Ms: percentileOfBuckets(buckets, 50),
      p95Ms: percentileOfBuckets(buckets, 95),
      histogram,
    };
  }

  /** The newest failures (of the failure kinds), newest first, with the state of their chain. */
  recentFailures(limit: number, since = 0): RecentFailure[] {
    return this.recentStmt.all(since, limit).map((row) => ({ ...eventFromRow(row), resolution: (row.resolution ?? null) as Resolution | null }));
  }

  /** All-time heal attempts and successes per (failure class, role, model, strategy), most tried first: the healer's stats. */
  strategyStats(filter: StrategyFilter = {}): StrategyStatRow[] {
    const where = {
      failureClass: filter.failureClass ?? null,
      role: filter.role ?? null,
      model: filter.model ?? null,
      strategy: filter.strategy ?? null,
    };
    return this.strategyTotalsStmt.all(where).map((r) => ({
      failureClass: orNull<FailureClass>(r.failure_class),
      role: r.role,
      model: orNull<string>(r.model),
      strategy: r.strategy,
      attempts: r.attempts,
      successes: r.successes,
    }));
  }

  /**
   * Heal attempts and successes per (failure class, strategy) in a window, by the hours the
   * attempts fall in (the hour holding `since` counts whole), most tried first.
   */
  strategyRates(range: TimeRange & { failureClass?: FailureClass }): StrategyRateRow[] {
    const until = range.until === undefined ? END_OF_TIME : range.until;
    return this.strategyRatesStmt.all({ from: alignDown(range.since, HOUR_MS), until, failureClass: range.failureClass ?? null }).map((r) => ({
      failureClass: orNull<FailureClass>(r.failure_class),
      strategy: r.strategy,
      attempts: r.attempts,
      successes: r.successes,
    }));
  }

  chain(chainId: string): ChainSummary | undefined {
    const row = this.chainStmt.get(chainId);
    return row ? chainFromRow(row) : undefined;
  }

  /** Chain summaries whose first failure falls in the range, oldest first. */
  chains(range: TimeRange & { limit?: number }): ChainSummary[] {
    const until = range.until ?? END_OF_TIME;
    return this.chainsStmt.all(range.since, until, range.limit ?? 1_000).map(chainFromRow);
  }

  /** The raw events of one chain, in time order (those not compacted yet). */
  eventsOfChain(chainId: string): FailureEvent[] {
    const chain = this.chainStmt.get(chainId);
    return chain ? this.eventsOfChainStmt.all(chain.first_at, chain.last_at, chainId).map(eventFromRow) : [];
  }

  lastEventAt(): number | null {
    return this.lastEventStmt.get()?.at ?? null;
  }

  rawEventCount(): number {
    return this.rawCountStmt.get()?.n ?? 0;
  }
}
