/**
 * Workflow-side access to the analytics activities: the activity options every workflow uses to
 * record failure events on the nexus queue, and a small workflow that records given batches
 * durably (imports, the activity-path benchmark, tests of capture through a real worker).
 */
import { ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { AnalyticsActivities, RecordFailureEventsResult } from '../../activities/analytics';
import { TASK_QUEUES } from '../temporal/task-queues';
import type { FailureEventInput } from './events';

/**
 * Recording is retried until it succeeds: the events are idempotent, so a retry after a lost
 * answer only counts duplicates. The timeout is short because a write takes milliseconds.
 */
export const ANALYTICS_ACTIVITY_OPTIONS: ActivityOptions = {
  taskQueue: TASK_QUEUES.nexus,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['InvalidAnalyticsInput'] },
};

export interface RecordFailureBatchesInput {
  batches: FailureEventInput[][];
  /** Queue of the analytics activities. Default the nexus queue. */
  taskQueue?: string;
}

/** Records each batch with `recordFailureEvents`, one after the other; returns the totals. */
export async function recordFailureBatches(input: RecordFailureBatchesInput): Promise<RecordFailureEventsResult> {
  const { recordFailureEvents } = proxyActivities<AnalyticsActivities>({ ...ANALYTICS_ACTIVITY_OPTIONS, taskQueue: input.taskQueue ?? TASK_QUEUES.nexus });
  const total: RecordFailureEventsResult = { recorded: 0, duplicates: 0, tooOld: 0 };
  for (const events of input.batches) {
    const result = await recordFailureEvents({ events });
    total.recorded += result.recorded;
    total.duplicates += result.duplicates;
    total.tooOld += result.tooOld;
  }
  return total;
}
