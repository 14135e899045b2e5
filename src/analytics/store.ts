import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DreamError, errorMessage } from '../errors';
import { logger } from '../logger';
import type { FailureEventInput } from '../contracts/failure-events';
import { Ingest, RecordResult } from './ingest';
import { Queries, TimeRange } from './queries';
import { decisionRates, DecisionRateRow } from './decisions';
import { compactStore, CompactResult, DEFAULT_RETENTION, RetentionPolicy } from './retention';
import { migrate, SCHEMA_VERSION, schemaVersion } from './schema';

export type { RecordResult } from './ingest';
export type { RecentFailure, ResolutionReport, StrategyFilter, TimeRange } from './queries';
export type { CompactResult, RetentionPolicy } from './retention';
export { DEFAULT_RETENTION } from './retention';

export interface FailureStoreOptions {
  /** Open for reading only (dashboards and reports next to the nexus worker). Default false. */
  readonly?: boolean;
}

/**
 * The failure analytics store: one SQLite file (WAL), written by the nexus worker only (other
 * processes may open it read-only). Every write updates raw events, minute, ten-minute and hour
 * rollups, strategy counts and chain summaries in one transaction; every read is served from
 * the rollups or an index.
 */
export class FailureStore extends Queries {
  private readonly ingest?: Ingest;
  private readonly listeners = new Set<(result: RecordResult) => void>();

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    readonly readonly: boolean,
  ) {
    super(db);
    if (!readonly) this.ingest = new Ingest(db);
  }

  /** Opens (creating and migrating when writable) the store at `file`; `:memory:` works for tests. */
  static open(file: string, options: FailureStoreOptions = {}): FailureStore {
    const readonly = options.readonly ?? false;
    if (readonly && !fs.existsSync(file)) {
      throw new DreamError('ANALYTICS_STORE_MISSING', `No analytics store at ${file}.`, 'Run a mission first (the nexus worker writes the store), or pass --db with the right file.');
    }
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: readonly });
      db.pragma('busy_timeout = 5000');
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        // Checkpoints (which fsync) every ~40 MB of WAL instead of every 4 MB: about 15% more
        // events per second in the ingest benchmark; the WAL file is cut back to 64 MB after each.
        db.pragma('wal_autocheckpoint = 10000');
        db.pragma('journal_size_limit = 67108864');
      }
      db.pragma('cache_size = -65536');
      db.pragma('temp_store = MEMORY');
      if (!readonly) migrate(db);
    } catch (err) {
      throw new DreamError('ANALYTICS_STORE_UNUSABLE', `Cannot open the analytics store ${file}: ${errorMessage(err)}`, 'Check the path and its permissions; a corrupt file can be moved away (a new one is created).', { cause: err });
    }
    const version = schemaVersion(db);
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new DreamError('ANALYTICS_STORE_VERSION', `The analytics store ${file} has schema version ${version}, this build needs ${SCHEMA_VERSION}.`, 'Start the nexus worker of this build once (it migrates the store), or use a matching dreamos.');
    }
    return new FailureStore(db, file, readonly);
  }

  /** The supervisor's decisions and how often each resolved its task, by decision and cause. */
  decisionRates(range: TimeRange): DecisionRateRow[] {
    return decisionRates(this.db, range);
  }

  /**
   * Records a batch in one transaction: all events or none. Idempotent by `idempotencyKey`:
   * a retried or replayed write is counted in `duplicates`, never stored twice.
   */
  record(events: readonly FailureEventInput[]): RecordResult {
    if (!this.ingest) throw new DreamError('ANALYTICS_STORE_READONLY', `The analytics store ${this.file} is open read-only.`, 'Record events through the nexus worker, which owns the store.');
    const result = this.ingest.record(events);
    if (result.recorded > 0) {
      for (const listener of this.listeners) {
        // The write has committed: a failing listener must not make the caller retry it.
        try {
          listener(result);
        } catch (err) {
          logger.warn({ event: 'analytics.listener-failed', err: errorMessage(err) }, 'a listener of the analytics store failed');
        }
      }
    }
    return result;
  }

  /** Calls `listener` after each write that recorded something; returns the unsubscribe function. */
  onRecorded(listener: (result: RecordResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes whenever another connection (another process) commits to the file. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Applies the retention policy (defaults: DEFAULT_RETENTION): deletes old raw events, minute
   * and hour rollups and chain summaries; the coarser layers keep their figures. The nexus
   * worker runs it now and then (see `scheduleCompaction`).
   */
  compact(policy: Partial<RetentionPolicy> = {}, now = Date.now()): CompactResult {
    if (this.readonly) throw new DreamError('ANALYTICS_STORE_READONLY', `The analytics store ${this.file} is open read-only.`, 'Compact from the nexus worker, which owns the store.');
    return compactStore(this.db, { ...DEFAULT_RETENTION, ...policy }, now);
  }

  /**
   * Compacts now and then every `everyMs` (default 1 hour) until the returned function is
   * called. A failed compaction is reported to `onError` and retried at the next tick.
   */
  scheduleCompaction(options: { policy?: Partial<RetentionPolicy>; everyMs?: number; onError?: (err: unknown) => void } = {}): () => void {
    const tick = () => {
      try {
        this.compact(options.policy);
      } catch (err) {
        options.onError?.(err);
      }
    };
    tick();
    const timer = setInterval(tick, options.everyMs ?? 3_600_000);
    timer.unref();
    return () => clearInterval(timer);
  }

  close(): void {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }
}
