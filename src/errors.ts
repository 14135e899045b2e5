/**
 * An error a user can act on: a stable code to branch on, what went wrong, and how to fix it.
 * The CLI prints `message` and `fix` instead of a stack trace (unless DREAMOS_DEBUG is set).
 */
export class DreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DreamError';
  }

  /** The two-line form shown to users. */
  describe(): string {
    return `${this.message}\n  fix: ${this.fix}`;
  }
}

export function isDreamError(err: unknown): err is DreamError {
  return err instanceof DreamError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
