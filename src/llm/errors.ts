import { ModelErrorKind, RETRYABLE_MODEL_ERRORS } from '../contracts/failure-types';

export type { ModelErrorKind } from '../contracts/failure-types';

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
    this.retryable = RETRYABLE_MODEL_ERRORS.has(kind);
  }
}
