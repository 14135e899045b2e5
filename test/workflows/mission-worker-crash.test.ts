import { Client } from '@temporalio/client';
import { missionGraph, startMission } from '../../src/missions/mission-client';
import { childWorkers } from '../helpers/processes';
import { missionOf } from '../helpers/missions';
import { startTestWorkers, testClient, TestWorkers } from '../helpers/temporal';

let client: Client;
/** Agents and nexus stay up in this process; only the control worker (the mission's) dies. */
let workers: TestWorkers;
const children = childWorkers();

beforeAll(async () => {
  client = await testClient();
  workers = await startTestWorkers({ queues: ['agents', 'nexus'] });
});

afterAll(async () => {
  await children.stopAll();
  await workers?.stop();
  await client.connection.close();
});

async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs += 1;
  return runs;
}

test('a control worker SIGKILLed mid-mission: the mission resumes on another and no child is started twice', async () => {
  const tasks = Array.from({ length: 6 }, (_, i) => ({ taskId: `t${i}`, ...(i >= 3 ? { dependsOn: [`t${i - 3}`] } : {}), model: { sim: { latencyMs: 600 } } }));
  const input = missionOf(tasks, { maxConcurrentTasks: 2 });
  const workerA = children.start('control');
  await workerA.waitForText(/serving control/, 60_000);
  const handle = await startMission(client, input);

  const deadline = Date.now() + 60_000;
  while ((await missionGraph(handle)).tasks.filter((t) => t.state === 'completed').length < 2) {
    if (Date.now() > deadline) throw new Error('the mission made no progress');
    await new Promise((r) => setTimeout(r, 100));
  }
  workerA.child.kill('SIGKILL');
  await workerA.exited;

  children.start('control');
  const result = await handle.result();
  expect(result.status).toBe('completed');
  expect(Object.keys(result.outputs)).toHaveLength(6);

  const history = await handle.fetchHistory();
  const started = (history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId);
  expect(started.sort()).toEqual(tasks.map((t) => `${input.missionId}.${t.taskId}`).sort());
  for (const id of started) expect(await runsOf(id as string)).toBe(1);
}, 120_000);
