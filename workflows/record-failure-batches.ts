/**
 * Workflow-side access to the analytics activities: the activity options every workflow uses to
 * record failure events on the nexus queue, and a small workflow that records given batches
 * durably (imports, the activity-path benchmark, tests of capture through a real worker).
 */
import { proxyActivities } from '@temporalio/workflow';
import { NEXUS_ACTIVITY_OPTIONS } from '../src/contracts/activity-options';
import type { AnalyticsActivities, RecordFailureEventsResult } from '../activities/analytics';
import { TASK_QUEUES } from '../src/contracts/task-queues';
import type { FailureEventInput } from '../src/contracts/failure-events';

export interface RecordFailureBatchesInput {
  batches: FailureEventInput[][];
  /** Queue of the analytics activities. Default the nexus queue. */
  taskQueue?: string;
}

/** Records each batch with `recordFailureEvents`, one after the other; returns the totals. */
export async function recordFailureBatches(input: RecordFailureBatchesInput): Promise<RecordFailureEventsResult> {
  const { recordFailureEvents } = proxyActivities<AnalyticsActivities>({ ...NEXUS_ACTIVITY_OPTIONS, taskQueue: input.taskQueue ?? TASK_QUEUES.nexus });
  const total: RecordFailureEventsResult = { recorded: 0, duplicates: 0, tooOld: 0 };
  for (const events of input.batches) {
    const result = await recordFailureEvents({ events });
    total.recorded += result.recorded;
    total.duplicates += result.duplicates;
    total.tooOld += result.tooOld;
  }
  return total;
}
