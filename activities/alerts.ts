import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { AlertRecordResult, AlertStore, swarmAlertSchema } from '../src/analytics/alerts';
import type { SwarmAlert } from '../src/contracts/tower';
import { INVALID_ALERTS } from '../src/contracts/failure-types';

const inputSchema = z.strictObject({ alerts: z.array(swarmAlertSchema).max(1_000) });

/** The control tower's swarm alerts, stored by the nexus worker (the only writer of the swarm's SQLite files). */
export const createAlertActivities = (store: AlertStore) => ({
  /** Idempotent by alert key: a retried call raises nothing twice; an alert with `clearedAt` clears the stored one. */
  async recordAlerts(input: { alerts: SwarmAlert[] }): Promise<AlertRecordResult> {
    const parsed = inputSchema.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ');
      throw ApplicationFailure.nonRetryable(`Invalid alerts: ${issues}`, INVALID_ALERTS);
    }
    return store.record(parsed.data.alerts);
  },
});

export type AlertActivities = ReturnType<typeof createAlertActivities>;
