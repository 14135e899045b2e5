import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { ALERT_KINDS, SwarmAlert } from '../contracts/tower';
import { DreamError, errorMessage } from '../errors';
import { logger } from '../logger';

/**
 * Swarm alerts raised and cleared by the control tower (stuck mission, a queue with backlog and no
 * pollers, a low resolution rate): one row per alert, keyed by the tower's `<kind>:<subject>:<raisedAt>`.
 * A small SQLite file of its own (`alerts.db` beside `analytics.db`), written only by the nexus
 * worker, like `scaling.db`: an alert is a state with a start and an end that is updated in place,
 * not an append-only failure event, and the failure store's schema and retention belong to failures.
 */

const DAY_MS = 86_400_000;

/** Cleared alerts older than this are dropped; active ones are kept however old. */
export const ALERT_RETENTION_MS = 30 * DAY_MS;

export const swarmAlertSchema = z
  .strictObject({
    key: z.string().min(1).max(400),
    kind: z.enum(ALERT_KINDS),
    subject: z.string().min(1).max(300),
    severity: z.enum(['warning', 'critical']),
    message: z.string().min(1).max(2_000),
    raisedAt: z.number().int().nonnegative(),
    clearedAt: z.number().int().nonnegative().optional(),
  })
  .refine((a) => a.clearedAt === undefined || a.clearedAt >= a.raisedAt, { message: 'clearedAt is before raisedAt', path: ['clearedAt'] });

export interface AlertRecordResult {
  /** Alerts stored for the first time. */
  raised: number;
  /** Stored alerts that got their `clearedAt` now. */
  cleared: number;
  /** Already stored as they are: a retried or replayed write. */
  unchanged: number;
}

interface Row {
  key: string;
  kind: SwarmAlert['kind'];
  subject: string;
  severity: SwarmAlert['severity'];
  message: string;
  raised_at: number;
  cleared_at: number | null;
}

const fromRow = (row: Row): SwarmAlert => ({
  key: row.key,
  kind: row.kind,
  subject: row.subject,
  severity: row.severity,
  message: row.message,
  raisedAt: row.raised_at,
  ...(row.cleared_at === null ? {} : { clearedAt: row.cleared_at }),
});

export class AlertStore {
  private readonly listeners = new Set<(result: AlertRecordResult) => void>();

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  /** Opens the store (creating it when writable); read-only needs the file to exist. `:memory:` for tests. */
  static open(file: string, options: { readonly?: boolean } = {}): AlertStore {
    const readonly = options.readonly ?? false;
    if (readonly && !fs.existsSync(file)) throw new DreamError('ALERT_STORE_MISSING', `No alert store at ${file}.`, 'The nexus worker creates it at start; run `dreamos up` or a nexus worker once.');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file, { readonly, fileMustExist: readonly });
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.exec(`CREATE TABLE IF NOT EXISTS swarm_alerts (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        raised_at INTEGER NOT NULL,
        cleared_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS swarm_alerts_active ON swarm_alerts (cleared_at, raised_at);`);
    }
    return new AlertStore(db, file);
  }

  /**
   * Stores raised alerts and clears stored ones, in one transaction, idempotent by key: a known
   * alert only ever gains its first `clearedAt` (a clear that arrives first is stored cleared).
   * Then drops alerts cleared more than `retentionMs` before `now`.
   */
  record(alerts: readonly SwarmAlert[], options: { now?: number; retentionMs?: number } = {}): AlertRecordResult {
    const insert = this.db.prepare(
      // ON CONFLICT, not OR IGNORE: only a known key is skipped; a NOT NULL violation still fails the batch.
      'INSERT INTO swarm_alerts (key, kind, subject, severity, message, raised_at, cleared_at) VALUES (@key, @kind, @subject, @severity, @message, @raisedAt, @clearedAt) ON CONFLICT (key) DO NOTHING',
    );
    const clear = this.db.prepare('UPDATE swarm_alerts SET cleared_at = ? WHERE key = ? AND cleared_at IS NULL');
    const result = this.db.transaction(() => {
      const counts: AlertRecordResult = { raised: 0, cleared: 0, unchanged: 0 };
      for (const alert of alerts) {
        if (insert.run({ ...alert, clearedAt: alert.clearedAt ?? null }).changes > 0) counts.raised += 1;
        else if (alert.clearedAt !== undefined && clear.run(alert.clearedAt, alert.key).changes > 0) counts.cleared += 1;
        else counts.unchanged += 1;
      }
      const now = options.now ?? Date.now();
      this.db.prepare('DELETE FROM swarm_alerts WHERE cleared_at < ?').run(now - (options.retentionMs ?? ALERT_RETENTION_MS));
      return counts;
    })();
    if (result.raised + result.cleared > 0) {
      for (const listener of this.listeners) {
        try {
          listener(result);
        } catch (err) {
          logger.warn({ event: 'alerts.listener-failed', err: errorMessage(err) }, 'a listener of the alert store failed');
        }
      }
    }
    return result;
  }

  /** Active alerts (newest first), then those cleared since `clearedSince` (latest cleared first), at most `limit` each. */
  list(options: { clearedSince: number; limit?: number }): { active: SwarmAlert[]; cleared: SwarmAlert[] } {
    const limit = options.limit ?? 200;
    const active = this.db.prepare('SELECT * FROM swarm_alerts WHERE cleared_at IS NULL ORDER BY raised_at DESC, key LIMIT ?').all(limit) as Row[];
    const cleared = this.db.prepare('SELECT * FROM swarm_alerts WHERE cleared_at >= ? ORDER BY cleared_at DESC, key LIMIT ?').all(options.clearedSince, limit) as Row[];
    return { active: active.map(fromRow), cleared: cleared.map(fromRow) };
  }

  /** Calls `listener` after each write that raised or cleared something; returns the unsubscribe function. */
  onRecorded(listener: (result: AlertRecordResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes whenever another connection (another process) commits to the file. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  close(): void {
    this.listeners.clear();
    this.db.close();
  }
}
