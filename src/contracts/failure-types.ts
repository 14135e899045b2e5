import { ApplicationFailure } from '@temporalio/common';

/**
 * The `type` of every ApplicationFailure the swarm throws on purpose, shared by the activities
 * that throw them, the workflows whose retry policies name them and the clients that read them.
 * Callers branch on these names, never on message text.
 */

/** An agent task that cannot recover; its details carry an `EscalationContext`. Non-retryable. */
export const ESCALATION_REQUIRED = 'EscalationRequired';

/** A workflow started with an input it cannot run (any client may start one). Non-retryable. */
export const INVALID_WORKFLOW_INPUT = 'InvalidWorkflowInput';

/**
 * What a workflow throws for an input it cannot run: an `InvalidWorkflowInput` failure, not
 * retryable, so the run fails at once instead of retrying a workflow task forever. `message` names
 * each wrong field and the fix; `details` (its one detail) is what a caller reads the issues from.
 */
export function invalidWorkflowInput(message: string, details: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_WORKFLOW_INPUT, nonRetryable: true, message, details: [details] });
}

/** A memory request the store can never satisfy. Non-retryable. */
export const INVALID_MEMORY_REQUEST = 'InvalidMemoryRequest';

/** Failure events or a query the analytics store refuses. Non-retryable. */
export const INVALID_ANALYTICS_INPUT = 'InvalidAnalyticsInput';

/** Why a model call failed at the transport level; the kinds map to retry behaviour. */
export type ModelErrorKind = 'timeout' | 'rate-limit' | 'server-error' | 'network' | 'bad-request' | 'auth' | 'not-found';

/** Kinds a later attempt can get past: the model call's retry policy retries them with backoff. */
export const RETRYABLE_MODEL_ERRORS: ReadonlySet<ModelErrorKind> = new Set(['timeout', 'rate-limit', 'server-error', 'network']);

/** Failure type per kind; the prompt activity throws ApplicationFailures of these types. */
export const MODEL_FAILURE_TYPES: Readonly<Record<ModelErrorKind, string>> = {
  timeout: 'ModelTimeout',
  'rate-limit': 'ModelRateLimited',
  'server-error': 'ModelServerError',
  network: 'ModelUnreachable',
  'bad-request': 'ModelRequestRejected',
  auth: 'ModelAuthFailed',
  'not-found': 'ModelNotFound',
};

/** Model failure types no retry can fix (listed in the model call's retry policy). */
export const NON_RETRYABLE_MODEL_FAILURES: readonly string[] = (Object.keys(MODEL_FAILURE_TYPES) as ModelErrorKind[])
  .filter((kind) => !RETRYABLE_MODEL_ERRORS.has(kind))
  .map((kind) => MODEL_FAILURE_TYPES[kind]);

/** Swarm alerts the alert store refuses (a malformed alert, a clear before its raise). Non-retryable. */
export const INVALID_ALERTS = 'InvalidAlerts';
