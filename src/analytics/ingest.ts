import type Database from 'better-sqlite3';
import { ChainSummary, foldChainEvents } from './chains';
import { DreamError } from '../errors';
import type { FailureEventInput } from '../contracts/failure-events';
import { ChainRollupDelta, chainRollupDeltas, failureRollupDeltas, strategyDeltas } from './rollup';
import { WATERMARK_KEY } from './retention';
import { ChainRow, chainFromRow, chainParams, eventParams } from './rows';
import { describeIssues, parseFailureEvents } from './validation';

/** What one `record` call did. */
export interface RecordResult {
  /** Events written for the first time. */
  recorded: number;
  /** Events whose idempotency key was already stored (a retried or replayed write). */
  duplicates: number;
  /**
   * Events older than the compaction watermark: their raw rows may have been compacted, so
   * they cannot be checked for duplicates and are dropped rather than counted twice.
   */
  tooOld: number;
}

/** The write side of the store: prepared statements and one transaction per batch. */
export class Ingest {
  private readonly insertEvent: Database.Statement;
  private readonly upsertFailureRollup: Database.Statement;
  private readonly upsertStrategy: Database.Statement;
  private readonly upsertStrategyTotal: Database.Statement;
  private readonly selectChain: Database.Statement<[string], ChainRow>;
  private readonly upsertChain: Database.Statement;
  private readonly upsertChainRollup: Database.Statement;
  private readonly selectWatermark: Database.Statement<[], { value: number }>;
  readonly record: (inputs: readonly FailureEventInput[]) => RecordResult;

  constructor(db: Database.Database) {
    this.insertEvent = db.prepare(`
      INSERT INTO failure_events (idempotency_key, at, mission_id, workflow_id, run_id, role, step, attempt, kind,
        failure_class, message, model, tokens, strategy, outcome, chain_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (idempotency_key) DO NOTHING`);
    this.upsertFailureRollup = db.prepare(`
      INSERT INTO failure_rollup (span, bucket, failure_class, kind, outcome, count, tokens)
      VALUES (@span, @bucket, @failureClass, @kind, @outcome, @count, @tokens)
      ON CONFLICT DO UPDATE SET count = count + excluded.count, tokens = tokens + excluded.tokens`);
    this.upsertStrategy = db.prepare(`
      INSERT INTO strategy_rollup (hour, failure_class, strategy, attempts, successes)
      VALUES (@hour, @failureClass, @strategy, @attempts, @successes)
      ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, successes = successes + excluded.successes`);
    this.upsertStrategyTotal = db.prepare(`
      INSERT INTO strategy_totals (failure_class, role, model, strategy, attempts, successes)
      VALUES (@failureClass, @role, @model, @strategy, @attempts, @successes)
      ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, successes = successes + excluded.successes`);
    this.selectChain = db.prepare('SELECT * FROM chains WHERE chain_id = ?');
    this.upsertChain = db.prepare(`
      INSERT INTO chains (chain_id, mission_id, workflow_id, run_id, role, model, failure_class, first_at, first_failure_at,
        last_at, resolution, closed_at, ttr_ms, strategies, failures, heal_attempts, rollbacks, escalations)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (chain_id) DO UPDATE SET run_id = excluded.run_id, model = excluded.model, failure_class = excluded.failure_class,
        first_at = excluded.first_at, first_failure_at = excluded.first_failure_at, last_at = excluded.last_at,
        resolution = excluded.resolution, closed_at = excluded.closed_at, ttr_ms = excluded.ttr_ms, strategies = excluded.strategies,
        failures = excluded.failures, heal_attempts = excluded.heal_attempts, rollbacks = excluded.rollbacks, escalations = excluded.escalations`);
    this.upsertChainRollup = db.prepare(`
      INSERT INTO chain_rollup (span, bucket, resolution, ttr_bucket, count) VALUES (@span, @bucket, @resolution, @ttrBucket, @count)
      ON CONFLICT DO UPDATE SET count = count + excluded.count`);
    this.selectWatermark = db.prepare(`SELECT value FROM analytics_meta WHERE key = '${WATERMARK_KEY}'`);
    this.record = db.transaction((inputs: readonly FailureEventInput[]) => this.write(inputs));
  }

  private write(inputs: readonly FailureEventInput[]): RecordResult {
    const parsed = parseFailureEvents(inputs);
    if (!parsed.ok) {
      throw new DreamError('ANALYTICS_INVALID_EVENT', `Invalid failure event: ${describeIssues(parsed.issues)}`, 'Build events with the FailureEventInput type; see src/contracts/failure-events.ts.');
    }
    const watermark = this.selectWatermark.get()?.value ?? 0;
    const fresh: FailureEventInput[] = [];
    let duplicates = 0;
    let tooOld = 0;
    for (const event of parsed.events) {
      if (event.at < watermark) {
        tooOld += 1;
        continue;
      }
      if (this.insertEvent.run(eventParams(event)).changes === 1) fresh.push(event);
      else duplicates += 1;
    }
    // Hand-offs are decisions, not failures: kept as raw events (decision rates read them), out of
    // the failure rollups and chains, so they change no failure count or resolution rate.
    const failures = fresh.filter((event) => event.kind !== 'hand-off');
    for (const delta of failureRollupDeltas(failures)) this.upsertFailureRollup.run(delta);
    const strategies = strategyDeltas(failures);
    for (const delta of strategies.hourly) this.upsertStrategy.run(delta);
    for (const delta of strategies.totals) this.upsertStrategyTotal.run(delta);
    this.foldChains(failures);
    return { recorded: fresh.length, duplicates, tooOld };
  }

  private foldChains(events: readonly FailureEventInput[]): void {
    const byChain = new Map<string, FailureEventInput[]>();
    for (const event of events) {
      const list = byChain.get(event.chainId);
      if (list) list.push(event);
      else byChain.set(event.chainId, [event]);
    }
    // Chains of one batch mostly share minutes and hours: their rollup changes are merged first.
    const rollup = new Map<string, ChainRollupDelta>();
    for (const [chainId, chainEvents] of byChain) {
      const row = this.selectChain.get(chainId);
      const before: ChainSummary | undefined = row ? chainFromRow(row) : undefined;
      const after = foldChainEvents(before, chainEvents) as ChainSummary;
      this.upsertChain.run(chainParams(after));
      for (const delta of chainRollupDeltas(before, after)) {
        const key = `${delta.span}|${delta.bucket}|${delta.resolution}|${delta.ttrBucket}`;
        const known = rollup.get(key);
        if (known) known.count += delta.count;
        else rollup.set(key, { ...delta });
      }
    }
    for (const delta of rollup.values()) if (delta.count !== 0) this.upsertChainRollup.run(delta);
  }
}
