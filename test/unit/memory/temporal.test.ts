import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createMemoryActivities, MemoryActivities, RememberStepInput } from '../../../activities/memory';
import { INVALID_MEMORY_REQUEST } from '../../../src/contracts/failure-types';
import { SQLiteMemory } from '../../../src/memory';
import { uniqueId, useFixtureWorkflows } from '../../helpers/temporal';
import { checkpointRememberRollback, rememberThenRecall } from './fixtures/memory-workflows';
import { useTempDir } from './helpers';

const tmp = useTempDir();
const AGENT = 'agent:m1:t1';
const MISSION = 'mission:m1';

const fixture = useFixtureWorkflows(require.resolve('./fixtures/memory-workflows'));

/**
 * The memory activities as the nexus worker registers them, except that `flaky` ones throw after
 * doing their work on the first attempt — a worker lost before it could report the result.
 */
function activitiesFailingOnce(memory: SQLiteMemory, flaky: Array<keyof MemoryActivities>) {
  const real = createMemoryActivities(memory);
  const attempts: Record<string, number[]> = {};
  const wrapped = Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      async (input: never) => {
        const { attempt } = Context.current().info;
        (attempts[name] ??= []).push(attempt);
        const result = await (fn as (i: never) => Promise<unknown>)(input);
        if (flaky.includes(name as keyof MemoryActivities) && attempt === 1) throw new Error(`${name}: worker lost after the write, before reporting`);
        return result;
      },
    ]),
  ) as MemoryActivities;
  return { activities: wrapped, attempts };
}

async function runOnWorker<T>(activities: MemoryActivities, run: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueId('nexus-memory');
  const worker = await Worker.create({ connection: fixture.connection, taskQueue, workflowBundle: fixture.workflowBundle, activities });
  return worker.runUntil(run(taskQueue));
}

function step(workflowId: string): RememberStepInput {
  return {
    idempotencyKey: `${workflowId}:1:1:remember`,
    checkpointId: 'cp-0',
    writes: [
      { namespace: AGENT, kind: 'short', role: 'assistant', content: 'Compared three pricing models' },
      { namespace: MISSION, key: 'pricing', kind: 'long', content: 'Charge per seat', tags: ['decision'], importance: 0.9 },
    ],
  };
}

describe('memory activities on a real Temporal worker', () => {
  test('rememberStep retried by Temporal after failing post-write stores the step once', async () => {
    const memory = tmp.open();
    const { activities, attempts } = activitiesFailingOnce(memory, ['rememberStep']);
    const workflowId = uniqueId('remember');

    const result = await runOnWorker(activities, (taskQueue) =>
      fixture.client.workflow.execute(rememberThenRecall, { taskQueue, workflowId, args: [step(workflowId), { namespaces: [AGENT, MISSION], maxChars: 1_000 }] }),
    );

    expect(attempts.rememberStep).toEqual([1, 2]);
    expect(result.written).toEqual({ written: 2, forgotten: 0 });
    expect(result.recalled.map((m) => m.content)).toEqual(['Charge per seat', 'Compared three pricing models']);
    expect(memory.count()).toBe(2);
    expect(memory.stats().versions).toBe(2);
    expect(memory.history(MISSION, 'pricing')).toHaveLength(1);
  });

  test('rollbackMemory retried by Temporal after failing post-rollback returns the first result and journals the rollback once', async () => {
    const memory = tmp.open();
    memory.put(MISSION, 'pricing', { content: 'undecided' });
    const { activities, attempts } = activitiesFailingOnce(memory, ['rollbackMemory']);
    const workflowId = uniqueId('rollback');
    const namespaces = [AGENT, MISSION];

    const result = await runOnWorker(activities, (taskQueue) =>
      fixture.client.workflow.execute(checkpointRememberRollback, {
        taskQueue,
        workflowId,
        args: [
          { namespaces, checkpointId: 'cp-1', idempotencyKey: `${workflowId}:1:0:checkpoint` },
          { ...step(workflowId), checkpointId: 'cp-1' },
          { namespaces, checkpointId: 'cp-1', idempotencyKey: `${workflowId}:2:1:rollback` },
        ],
      }),
    );

    expect(attempts.rollbackMemory).toEqual([1, 2]);
    expect(result).toEqual({ restored: 1, removed: 1 });
    expect(memory.get(MISSION, 'pricing')?.content).toBe('undecided');
    expect(memory.count(AGENT)).toBe(0);
    expect(memory.history(MISSION, 'pricing').map((v) => v.op)).toEqual(['put', 'put', 'rollback']);
  });

  test('an invalid request fails the workflow at the first attempt with a non-retryable InvalidMemoryRequest', async () => {
    const memory = tmp.open();
    const { activities, attempts } = activitiesFailingOnce(memory, []);
    const workflowId = uniqueId('invalid');
    const bad = { ...step(workflowId), writes: [{ namespace: MISSION, kind: 'long' as const, content: 'a fact without a key' }] };

    const err = await runOnWorker(activities, (taskQueue) =>
      fixture.client.workflow.execute(rememberThenRecall, { taskQueue, workflowId, args: [bad, { namespaces: [MISSION] }] }).catch((e: unknown) => e),
    );

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect(activityFailure.cause).toBeInstanceOf(ApplicationFailure);
    expect((activityFailure.cause as ApplicationFailure).type).toBe(INVALID_MEMORY_REQUEST);
    expect(attempts.rememberStep).toEqual([1]);
    expect(memory.count()).toBe(0);
  });
});
