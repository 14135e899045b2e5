import { Client } from '@temporalio/client';
import { profileQueue, TASK_QUEUES } from '../../src/contracts/task-queues';
import { startMission } from '../../src/missions/mission-client';
import { missionOf } from '../helpers/missions';
import { ownNamespace, startTestWorkers, testClient, TestWorkers } from '../helpers/temporal';

/** A namespace of its own: the heavy profile's queue meets no other file's workers. */
const env = {} as { client: Client; workers: TestWorkers; heavyWorker: TestWorkers };

beforeAll(async () => {
  const namespace = await ownNamespace('mission-profile');
  env.client = await testClient(undefined, namespace);
  env.workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'], namespace });
  env.heavyWorker = await startTestWorkers({ queues: ['agents'], namespace, env: { DREAMOS_WORKER_TASK_QUEUE: profileQueue('heavy') } });
}, 120_000);

afterAll(async () => {
  await env.heavyWorker?.stop();
  await env.workers?.stop();
  await env.client?.connection.close();
});

describe('mission: worker profiles', () => {
  test("a task asking for a worker profile runs on the profile's queue, the others on agents", async () => {
    const input = missionOf([{ taskId: 'big', workerProfile: 'heavy' }, { taskId: 'small' }, { taskId: 'plain', workerProfile: 'standard' }]);
    const result = await (await startMission(env.client, input)).result();

    expect(result.status).toBe('completed');
    const child = (taskId: string) => env.client.workflow.getHandle(`${input.missionId}.${taskId}`);
    expect((await child('big').describe()).taskQueue).toBe('agents-heavy');
    expect((await child('small').describe()).taskQueue).toBe(TASK_QUEUES.agents);
    expect((await child('plain').describe()).taskQueue).toBe(TASK_QUEUES.agents);
    // Its model call ran there too (only the heavy worker polls that queue); memory and analytics on nexus.
    const scheduled = (await child('big').fetchHistory()).events?.flatMap((e) => e.activityTaskScheduledEventAttributes ?? []);
    expect(scheduled?.filter((a) => a.activityType?.name === 'promptModel').map((a) => a.taskQueue?.name)).toEqual(['agents-heavy']);
  }, 90_000);
});
