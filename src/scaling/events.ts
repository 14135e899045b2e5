import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';

/**
 * Scaling decisions: one row per profile per scaler tick (observed load, current, desired and
 * actual workers, reason, workers started, drained, found dead, adopted). A small SQLite file of its
 * own (`scaling.db` beside `analytics.db`), written by the nexus worker like the other stores:
 * failure analytics is about failures, and its schema belongs to that store's owner.
 */

const DAY_MS = 86_400_000;

export const scalingEventSchema = z
  .object({
    /** Idempotency key: `<scaler workflow id>#<tick>#<profile>`; a retried write stores nothing new. */
    key: z.string().min(1).max(300),
    at: z.number().int().nonnegative(),
    swarmId: z.string().min(1),
    profile: z.string().min(1),
    queue: z.string().min(1),
    activityBacklog: z.number().nonnegative(),
    workflowBacklog: z.number().nonnegative(),
    openTasks: z.number().int().nonnegative(),
    /** Age of the oldest waiting task, ms (approximate). */
    backlogAgeMs: z.number().nonnegative(),
    /** Tasks added and dispatched per second (approximate). */
    addRate: z.number().nonnegative(),
    dispatchRate: z.number().nonnegative(),
    pollers: z.number().int().nonnegative(),
    current: z.number().int().nonnegative(),
    desired: z.number().int().nonnegative(),
    /** Live workers once reconciled (draining and standby ones excluded). */
    actual: z.number().int().nonnegative(),
    /** Standby workers once reconciled (booted, not polling). Absent in older events. */
    standby: z.number().int().nonnegative().default(0),
    reason: z.string().min(1),
    started: z.array(z.string()),
    /** Standby workers activated (absent in older events). */
    activated: z.array(z.string()).default([]),
    drained: z.array(z.string()),
    dead: z.array(z.string()),
    adopted: z.array(z.string()),
  })
  .strict();

export type ScalingEvent = z.output<typeof scalingEventSchema>;

const LIST_COLUMNS = ['started', 'activated', 'drained', 'dead', 'adopted'] as const;

interface Row {
  key: string;
  at: number;
  swarm_id: string;
  profile: string;
  queue: string;
  detail: string;
}

export class ScalingEventStore {
  private constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS scaling_events (
      key TEXT PRIMARY KEY,
      at INTEGER NOT NULL,
      swarm_id TEXT NOT NULL,
      profile TEXT NOT NULL,
      queue TEXT NOT NULL,
      detail TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS scaling_events_at ON scaling_events (swarm_id, at);`);
  }

  static open(file: string): ScalingEventStore {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    return new ScalingEventStore(db);
  }

  /** Stores new events (by key) and drops those older than `retentionMs`. Returns how many were new. */
  record(events: ScalingEvent[], retentionMs = 7 * DAY_MS): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO scaling_events (key, at, swarm_id, profile, queue, detail) VALUES (?, ?, ?, ?, ?, ?)');
    return this.db.transaction(() => {
      let stored = 0;
      for (const e of events) stored += insert.run(e.key, e.at, e.swarmId, e.profile, e.queue, JSON.stringify(e)).changes;
      const newest = Math.max(0, ...events.map((e) => e.at));
      this.db.prepare('DELETE FROM scaling_events WHERE at < ?').run(newest - retentionMs);
      return stored;
    })();
  }

  /** Events since `since` (oldest first), of one swarm or all, at most `limit` (the newest kept). */
  list(options: { since: number; swarmId?: string; limit?: number }): ScalingEvent[] {
    const limit = options.limit ?? 5_000;
    const rows = (
      options.swarmId
        ? this.db.prepare('SELECT * FROM scaling_events WHERE swarm_id = ? AND at >= ? ORDER BY at DESC LIMIT ?').all(options.swarmId, options.since, limit)
        : this.db.prepare('SELECT * FROM scaling_events WHERE at >= ? ORDER BY at DESC LIMIT ?').all(options.since, limit)
    ) as Row[];
    return rows.reverse().map((row) => {
      const event = JSON.parse(row.detail) as ScalingEvent;
      for (const column of LIST_COLUMNS) event[column] ??= [];
      event.standby ??= 0;
      return event;
    });
  }

  close(): void {
    this.db.close();
  }
}
