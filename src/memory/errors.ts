import { DreamError } from '../errors';

/** Stable codes of memory errors; callers branch on these, never on message text. */
export const MEMORY_ERRORS = {
  invalidInput: 'MEMORY_INVALID_INPUT',
  openFailed: 'MEMORY_OPEN_FAILED',
  schemaTooNew: 'MEMORY_SCHEMA_TOO_NEW',
  checkpointUnknown: 'MEMORY_CHECKPOINT_UNKNOWN',
  checkpointDiscarded: 'MEMORY_CHECKPOINT_DISCARDED',
  idempotencyConflict: 'MEMORY_IDEMPOTENCY_CONFLICT',
  closed: 'MEMORY_CLOSED',
  snapshotUnreadable: 'SNAPSHOT_UNREADABLE',
  snapshotNotJson: 'SNAPSHOT_NOT_JSON',
  snapshotTruncated: 'SNAPSHOT_TRUNCATED',
  snapshotWrongFormat: 'SNAPSHOT_WRONG_FORMAT',
  snapshotWrongVersion: 'SNAPSHOT_WRONG_VERSION',
  snapshotInvalid: 'SNAPSHOT_INVALID',
  snapshotChecksum: 'SNAPSHOT_CHECKSUM_MISMATCH',
  snapshotCount: 'SNAPSHOT_COUNT_MISMATCH',
  snapshotTooLarge: 'SNAPSHOT_TOO_LARGE',
} as const;

export type MemoryErrorCode = (typeof MEMORY_ERRORS)[keyof typeof MEMORY_ERRORS];

export function invalidInput(what: string, fix: string): DreamError {
  return new DreamError(MEMORY_ERRORS.invalidInput, `Invalid memory request: ${what}`, fix);
}

export function checkpointUnknown(namespace: string, checkpointId: string): DreamError {
  return new DreamError(
    MEMORY_ERRORS.checkpointUnknown,
    `Cannot roll back "${namespace}" to checkpoint "${checkpointId}": that checkpoint was never marked for this namespace.`,
    'Call markCheckpoint(namespace, checkpointId) when the checkpoint is taken, or roll back to a checkpoint that was marked.',
  );
}

export function checkpointDiscarded(namespace: string, checkpointId: string, by: string): DreamError {
  return new DreamError(
    MEMORY_ERRORS.checkpointDiscarded,
    `Cannot roll back "${namespace}" to checkpoint "${checkpointId}": it was taken after checkpoint "${by}" and discarded when the namespace rolled back to "${by}".`,
    `Roll back to "${by}" or an earlier checkpoint, or mark "${checkpointId}" again once the work is redone.`,
  );
}

export function idempotencyConflict(key: string, first: string, now: string): DreamError {
  return new DreamError(
    MEMORY_ERRORS.idempotencyConflict,
    `Idempotency key "${key}" was first used for ${first} and is now reused for ${now}.`,
    'Give every distinct write its own key, e.g. `workflowId:step:attempt:purpose`; reuse a key only to retry the same write.',
  );
}
