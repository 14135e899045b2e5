import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chainIdOf, FailureEventInput } from '../../../src/analytics/events';
import { FailureStore, FailureStoreOptions } from '../../../src/analytics/store';

/** A fresh temp folder per test; stores opened through `open` are closed and the folder removed after it. */
export function useStores() {
  let dir = '';
  let opened: FailureStore[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-analytics-'));
    opened = [];
  });
  afterEach(() => {
    opened.forEach((s) => s.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    path: (name: string) => path.join(dir, name),
    open(name = 'analytics.db', options?: FailureStoreOptions): FailureStore {
      const store = FailureStore.open(path.join(dir, name), options);
      opened.push(store);
      return store;
    },
  };
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
