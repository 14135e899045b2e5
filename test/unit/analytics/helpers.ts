import { chainIdOf, FailureEventInput } from '../../../src/contracts/failure-events';
import { FailureStore, FailureStoreOptions } from '../../../src/analytics/store';
import { useTempFiles } from '../../helpers/temp-files';

/** A fresh temp folder per test; stores opened through `open` are closed and the folder removed after it. */
export function useStores() {
  return useTempFiles('dreamos-analytics-', 'analytics.db', (file, options?: FailureStoreOptions) => FailureStore.open(file, options));
}

/** A fixed, minute-aligned clock for the tests: 2025-01-15 12:00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

let counter = 0;

/** One event of workflow `wf-1`, step 0, at T0, with the given fields; the key is unique unless given. */
export function event(fields: Partial<FailureEventInput> = {}): FailureEventInput {
  counter += 1;
  const workflowId = fields.workflowId ?? 'wf-1';
  const step = fields.step ?? 0;
  return {
    idempotencyKey: `key-${counter}`,
    at: T0,
    missionId: 'mission-1',
    workflowId,
    runId: 'run-1',
    role: 'researcher',
    step,
    attempt: 1,
    kind: 'validation-failure',
    failureClass: 'malformed-json',
    model: 'gpt-4o-mini',
    chainId: chainIdOf(workflowId, step, 0),
    ...fields,
  };
}
