import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createAnalyticsActivities, RecordFailureEventsInput } from '../../../activities/analytics';
import { FailureRecorder } from '../../../workflows/agent-task/failure-recorder';
import { uniqueId, useFixtureWorkflows } from '../../helpers/temporal';
import { T0, useStores } from './helpers';

const stores = useStores();

const fixture = useFixtureWorkflows(require.resolve('../../../workflows/record-failure-batches'));

test('an activity whose answer is lost after the write is retried by Temporal and stores each event once', async () => {
  const store = stores.open();
  const real = createAnalyticsActivities(store);
  const taskQueue = uniqueId('analytics-capture');
  let attempts = 0;
  const worker = await Worker.create({
    connection: fixture.connection,
    taskQueue,
    workflowBundle: fixture.workflowBundle,
    activities: {
      ...real,
      // The write commits, then the worker "dies" before Temporal hears back.
      async recordFailureEvents(input: RecordFailureEventsInput) {
        attempts += 1;
        const result = await real.recordFailureEvents(input);
        if (Context.current().info.attempt === 1) throw new Error('worker lost after commit');
        return result;
      },
    },
  });
  const recorder = new FailureRecorder({ missionId: 'm', workflowId: 'wf-retry', runId: 'r1', role: 'critic' }, undefined, () => T0);
  recorder.failure(0, { kind: 'activity-failure', attempt: 1, failureClass: 'model-rate-limit' });
  recorder.healAttempt(0, { attempt: 1, strategy: 'fallback-model', healed: true, failureClass: 'model-rate-limit' });
  recorder.resolved(0, { attempt: 2 });
  const events = recorder.drain();

  const result = await worker.runUntil(
    fixture.client.workflow.execute('recordFailureBatches', { taskQueue, workflowId: uniqueId('record'), args: [{ batches: [events], taskQueue }] }),
  );

  expect(attempts).toBe(2);
  expect(result).toEqual({ recorded: 0, duplicates: 3, tooOld: 0 });
  expect(store.rawEventCount()).toBe(3);
  expect(store.resolution({ since: 0 })).toMatchObject({ resolved: 1, open: 0 });
  expect(store.strategyStats()).toEqual([{ failureClass: 'model-rate-limit', role: 'critic', model: null, strategy: 'fallback-model', attempts: 1, successes: 1 }]);
});
