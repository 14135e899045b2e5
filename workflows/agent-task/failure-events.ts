import { log, proxyActivities } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../../activities/analytics';
import { NEXUS_ACTIVITY_OPTIONS } from '../../src/contracts/activity-options';
import type { FailureRecorder } from './failure-recorder';

const { recordFailureEvents } = proxyActivities<AnalyticsActivities>(NEXUS_ACTIVITY_OPTIONS);

/**
 * Sends the failure events gathered so far to the analytics store (idempotent by event key). If
 * the store cannot be reached they are kept and go with the next flush: a task never fails for it.
 */
export async function flushEvents(recorder: FailureRecorder): Promise<void> {
  if (recorder.pendingCount === 0) return;
  const events = recorder.drain();
  try {
    await recordFailureEvents({ events });
  } catch (err) {
    recorder.restore(events);
    log.warn('failure events not recorded; kept for the next flush', { error: String(err) });
  }
}
