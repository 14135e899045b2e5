/**
 * The durability contract of every activity a workflow calls, named once: which queue runs it,
 * how long one attempt may take, how a dead worker is noticed and what is retried.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import { INVALID_ANALYTICS_INPUT, INVALID_MEMORY_REQUEST, NON_RETRYABLE_MODEL_FAILURES } from './failure-types';
import { TASK_QUEUES } from './task-queues';

/** A model call is retried with backoff; answers no retry can change are not. */
export const MODEL_CALL_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 5,
  nonRetryableErrorTypes: [...NON_RETRYABLE_MODEL_FAILURES],
};

/** The model call on the agents queue; the heartbeat timeout is how fast a dead worker is noticed. */
export function modelCallOptions(timeouts: { promptMs: number; heartbeatMs: number }): ActivityOptions {
  return { taskQueue: TASK_QUEUES.agents, startToCloseTimeout: timeouts.promptMs, heartbeatTimeout: timeouts.heartbeatMs, retry: MODEL_CALL_RETRY };
}

/**
 * Memory and analytics live on the single nexus worker. Their writes are idempotent by key, so
 * they are retried until done; a write takes milliseconds, hence the short timeout.
 */
export const NEXUS_ACTIVITY_OPTIONS: ActivityOptions = {
  taskQueue: TASK_QUEUES.nexus,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [INVALID_MEMORY_REQUEST, INVALID_ANALYTICS_INPUT] },
};

/**
 * The supervisor model's advice call: one retry only, since a mission waits on it and ignores
 * advice that does not come (the policy decides alone).
 */
export function adviceCallOptions(timeoutMs: number): ActivityOptions {
  return { taskQueue: TASK_QUEUES.agents, startToCloseTimeout: timeoutMs, heartbeatTimeout: Math.min(timeoutMs, 10_000), retry: { ...MODEL_CALL_RETRY, maximumAttempts: 2 } };
}
