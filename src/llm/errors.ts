/** Why a model call failed at the transport level; the kinds map to retry behaviour. */
export type ModelErrorKind = 'timeout' | 'rate-limit' | 'server-error' | 'network' | 'bad-request' | 'auth' | 'not-found';

const RETRYABLE: ReadonlySet<ModelErrorKind> = new Set(['timeout', 'rate-limit', 'server-error', 'network']);

/** Temporal failure type per kind; the prompt activity throws ApplicationFailures of these types. */
export const MODEL_FAILURE_TYPES: Record<ModelErrorKind, string> = {
  timeout: 'ModelTimeout',
  'rate-limit': 'ModelRateLimited',
  'server-error': 'ModelServerError',
  network: 'ModelUnreachable',
  'bad-request': 'ModelRequestRejected',
  auth: 'ModelAuthFailed',
  'not-found': 'ModelNotFound',
};

/** Non-retryable failure types, listed in the prompt activity's retry policy. */
export const NON_RETRYABLE_MODEL_FAILURES: readonly string[] = (Object.keys(MODEL_FAILURE_TYPES) as ModelErrorKind[])
  .filter((kind) => !RETRYABLE.has(kind))
  .map((kind) => MODEL_FAILURE_TYPES[kind]);

export class ModelError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly fix: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ModelError';
    this.retryable = RETRYABLE.has(kind);
  }
}
