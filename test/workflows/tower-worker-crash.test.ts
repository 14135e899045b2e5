import { Client } from '@temporalio/client';
import { TOWER_WORKFLOW_ID, TowerState } from '../../src/contracts/tower';
import { getMission, missionGraph } from '../../src/missions/mission-client';
import { ensureTower, getTower, submitThroughTower, towerState } from '../../src/missions/tower-client';
import { childWorkers } from '../helpers/processes';
import { missionOf } from '../helpers/missions';
import { ownNamespace, startTestWorkers, testClient, TestWorkers } from '../helpers/temporal';

let client: Client;
let namespace: string;
/** Agents and nexus stay up in this process; only the control worker (the tower's and the missions') dies. */
let workers: TestWorkers;
const children = childWorkers();

beforeAll(async () => {
  namespace = await ownNamespace('tower-crash');
  client = await testClient(undefined, namespace);
  workers = await startTestWorkers({ queues: ['agents', 'nexus'], namespace });
}, 120_000);

afterAll(async () => {
  await getTower(client).terminate('test over').catch(() => undefined);
  await children.stopAll();
  await workers?.stop();
  await client?.connection.close();
});

/** The mission's result once the tower has admitted it (its workflow does not exist before). */
async function resultWhenAdmitted(missionId: string) {
  const until = Date.now() + 60_000;
  while (!(await towerState(client)).missions.some((m) => m.missionId === missionId && m.state !== 'queued' && m.state !== 'starting')) {
    if (Date.now() > until) throw new Error(`mission ${missionId} was never admitted`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return getMission(client, missionId).result();
}

async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs += 1;
  return runs;
}

test('the control worker SIGKILLed: the tower resumes on another, admits the queued mission, and no mission starts twice', async () => {
  const workerA = children.start('control', { TEMPORAL_NAMESPACE: namespace });
  await workerA.waitForText(/serving control/, 60_000);
  const first = await ensureTower(client, { maxConcurrentAgentTasks: 1, healthIntervalMs: 1_000 });
  const running = missionOf(Array.from({ length: 3 }, (_, i) => ({ taskId: `t${i}`, model: { sim: { latencyMs: 700 } } })), { maxConcurrentTasks: 1 });
  const queued = missionOf([{ taskId: 'after' }], { maxConcurrentTasks: 1 });
  await submitThroughTower(client, { mission: running });
  expect((await submitThroughTower(client, { mission: queued })).state).toBe('queued');

  const handle = getMission(client, running.missionId);
  const deadline = Date.now() + 60_000;
  while ((await missionGraph(handle).catch(() => undefined))?.tasks.some((t) => t.state === 'completed') !== true) {
    if (Date.now() > deadline) throw new Error('the first mission made no progress');
    await new Promise((r) => setTimeout(r, 100));
  }
  workerA.child.kill('SIGKILL');
  await workerA.exited;

  children.start('control', { TEMPORAL_NAMESPACE: namespace });
  expect((await handle.result()).status).toBe('completed');
  expect((await resultWhenAdmitted(queued.missionId)).status).toBe('completed');

  let state: TowerState = await towerState(client);
  const until = Date.now() + 30_000;
  while (!state.missions.every((m) => m.endedAt !== undefined) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    state = await towerState(client);
  }
  expect(state.startedAt).toBe(first.startedAt);
  expect(state.missions.map((m) => [m.missionId, m.state])).toEqual(expect.arrayContaining([[running.missionId, 'completed'], [queued.missionId, 'completed']]));
  expect(await runsOf(TOWER_WORKFLOW_ID)).toBe(1);
  for (const m of [running, queued]) expect(await runsOf(`mission.${m.missionId}`)).toBe(1);
  for (let i = 0; i < 3; i += 1) expect(await runsOf(`${running.missionId}.t${i}`)).toBe(1);
}, 180_000);
