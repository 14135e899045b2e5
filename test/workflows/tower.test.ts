import { Client, WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { DreamError } from '../../src/errors';
import { TOWER_WORKFLOW_ID, TowerLimitsDraft, TowerMission, TowerState } from '../../src/contracts/tower';
import { getMission, missionGraph } from '../../src/missions/mission-client';
import { controlMission, ensureTower, getTower, submitThroughTower, towerRunning, towerState } from '../../src/missions/tower-client';
import { missionOf, waitForGraph } from '../helpers/missions';
import { ownNamespace, startTestWorkers, testClient, TestWorkers } from '../helpers/temporal';

/** The tower is one per namespace: this file has a namespace of its own, and a fresh tower per test. */
let client: Client;
let workers: TestWorkers;

beforeAll(async () => {
  const namespace = await ownNamespace('tower');
  client = await testClient(undefined, namespace);
  workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'], namespace });
}, 120_000);

afterEach(async () => {
  if (await towerRunning(client)) await getTower(client).terminate('next test starts its own tower');
});

afterAll(async () => {
  await workers?.stop();
  await client?.connection.close();
});

async function untilTower(check: (state: TowerState) => boolean, what: string, timeoutMs = 60_000): Promise<TowerState> {
  const deadline = Date.now() + timeoutMs;
  let last: TowerState | undefined;
  for (;;) {
    last = await towerState(client).catch(() => last);
    if (last && check(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not reached; tower missions: ${JSON.stringify(last?.missions.map((m) => [m.missionId, m.state, m.reason]))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const entry = (state: TowerState, missionId: string): TowerMission | undefined => state.missions.find((m) => m.missionId === missionId);
const ended = (state: TowerState, ...ids: string[]) => ids.every((id) => entry(state, id)?.endedAt !== undefined);

async function runsOf(workflowId: string, status?: string): Promise<number> {
  let runs = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'${status ? ` AND ExecutionStatus = '${status}'` : ''}` })) runs += 1;
  return runs;
}

/** Most agent tasks of these missions that ran at once, from their start and close times. */
async function peakAgentTasks(missionIds: string[]): Promise<number> {
  const times: Array<{ at: number; delta: number }> = [];
  for (const missionId of missionIds) {
    for await (const run of client.workflow.list({ query: `WorkflowType = 'agentTask' AND DreamMission = '${missionId}'` })) {
      times.push({ at: run.startTime.getTime(), delta: 1 }, { at: (run.closeTime ?? new Date()).getTime(), delta: -1 });
    }
  }
  times.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const t of times) most = Math.max(most, (open += t.delta));
  return most;
}

function tasks(count: number, latencyMs: number, extra: Record<string, unknown> = {}) {
  return Array.from({ length: count }, (_, i) => ({ taskId: `t${i}`, model: { sim: { latencyMs } }, ...extra }));
}

async function tower(limits: TowerLimitsDraft = {}): Promise<TowerState> {
  return ensureTower(client, { healthIntervalMs: 1_000, ...limits });
}

test('the tower started twice is one workflow: the second start attaches to the running one', async () => {
  const first = await tower();
  const second = await ensureTower(client, { maxConcurrentAgentTasks: 99 });

  expect(second.startedAt).toBe(first.startedAt);
  expect(second.limits.maxConcurrentAgentTasks).toBe(first.limits.maxConcurrentAgentTasks);
  expect(await runsOf(TOWER_WORKFLOW_ID)).toBe(1);
  expect((await getTower(client).describe()).status.name).toBe('RUNNING');
});

test('a valid mission is admitted and completes; an invalid one is rejected with its reasons and nothing starts', async () => {
  await tower({ maxMissionTokens: 1_000_000 });
  const good = missionOf(tasks(2, 0), { maxTokens: 1_000_000 });
  const admitted = await submitThroughTower(client, { mission: good, source: 'test' });
  expect(admitted).toMatchObject({ missionId: good.missionId, state: 'starting', slots: good.maxConcurrentTasks, notes: [] });
  const result = await getMission(client, good.missionId).result();
  expect(result.status).toBe('completed');
  const after = await untilTower((s) => ended(s, good.missionId), 'the mission reported its end');
  expect(entry(after, good.missionId)).toMatchObject({ state: 'completed', source: 'test', progress: { settled: 2, total: 2 } });

  const valid = missionOf([{ taskId: 'a' }, { taskId: 'b' }]);
  const bad = { ...valid, tasks: [{ ...valid.tasks[0], dependsOn: ['b'] }, { ...valid.tasks[1], dependsOn: ['a'] }] };
  const rejected = await submitThroughTower(client, { mission: bad, priority: 9 }).catch((err: unknown) => err);
  expect(rejected).toBeInstanceOf(DreamError);
  expect((rejected as DreamError).message).toContain('dependency cycle: a -> b -> a');
  expect((rejected as DreamError).message).toContain('priority: 9 is not one of 1, 2, 3, 4, 5');
  const greedy = missionOf(tasks(1, 0));
  const overBudget = await submitThroughTower(client, { mission: greedy }).catch((err: unknown) => err);
  expect((overBudget as DreamError).message).toContain(`maxTokens: 5000000 is over the tower's budget per mission (1000000)`);

  for (const missionId of [bad.missionId, greedy.missionId]) {
    expect(await runsOf(`mission.${missionId}`)).toBe(0);
    expect(entry(await towerState(client), missionId)).toBeUndefined();
  }
});

test('the global limit holds with missions competing, and the higher priority is admitted first', async () => {
  await tower({ maxConcurrentAgentTasks: 2 });
  const running = missionOf(tasks(2, 1_500), { maxConcurrentTasks: 2 });
  const low = missionOf(tasks(2, 300), { maxConcurrentTasks: 4 });
  const high = missionOf(tasks(2, 300), { maxConcurrentTasks: 2 });

  expect((await submitThroughTower(client, { mission: running })).state).toBe('starting');
  const lowAnswer = await submitThroughTower(client, { mission: low, priority: 5 });
  expect(lowAnswer).toMatchObject({ state: 'queued', position: 1, slots: 2 });
  expect(lowAnswer.notes[0]).toContain('maxConcurrentTasks 4 clamped to');
  expect(await submitThroughTower(client, { mission: high, priority: 1 })).toMatchObject({ state: 'queued', position: 1 });
  const queued = (await towerState(client)).missions.filter((m) => m.state === 'queued').map((m) => m.missionId);
  expect(queued).toEqual([high.missionId, low.missionId]);

  const state = await untilTower((s) => ended(s, running.missionId, low.missionId, high.missionId), 'all three missions ended', 120_000);
  for (const m of [running, low, high]) expect(entry(state, m.missionId)?.state).toBe('completed');
  expect(entry(state, high.missionId)!.startedAt!).toBeLessThan(entry(state, low.missionId)!.startedAt!);
  expect(entry(state, high.missionId)!.startedAt!).toBeGreaterThanOrEqual(entry(state, running.missionId)!.endedAt! - 1_000);
  expect(await peakAgentTasks([running.missionId, low.missionId, high.missionId])).toBeLessThanOrEqual(2);
  expect(state.slotsInUse).toBe(0);
}, 180_000);

test('a mission is paused, resumed and cancelled through the tower; a queued one is held and cancelled without starting', async () => {
  await tower({ maxConcurrentAgentTasks: 2 });
  const paused = missionOf(tasks(3, 1_000), { maxConcurrentTasks: 1 });
  const doomed = missionOf(tasks(2, 20_000), { maxConcurrentTasks: 1 });
  const waiting = missionOf(tasks(1, 0), { maxConcurrentTasks: 1 });
  await submitThroughTower(client, { mission: paused });
  await submitThroughTower(client, { mission: doomed });
  expect((await submitThroughTower(client, { mission: waiting })).state).toBe('queued');

  const pausedHandle = getMission(client, paused.missionId);
  await waitForGraph(pausedHandle, (g) => g.running === 1);
  expect((await controlMission(client, paused.missionId, 'pause')).state).toBe('paused');
  const held = await waitForGraph(pausedHandle, (g) => g.paused === true && g.running === 0, 30_000);
  const startedWhenHeld = held.tasks.filter((t) => t.attempts > 0).length;
  expect(startedWhenHeld).toBeLessThan(3);
  await new Promise((r) => setTimeout(r, 2_500));
  const stillHeld = await missionGraph(pausedHandle);
  expect(stillHeld.tasks.filter((t) => t.attempts > 0).length).toBe(startedWhenHeld);
  expect(stillHeld.running).toBe(0);

  expect(await controlMission(client, waiting.missionId, 'pause')).toMatchObject({ state: 'queued', held: true });
  expect((await controlMission(client, paused.missionId, 'resume')).state).toBe('running');
  expect((await pausedHandle.result()).status).toBe('completed');

  const doomedHandle = getMission(client, doomed.missionId);
  await waitForGraph(doomedHandle, (g) => g.running === 1);
  await controlMission(client, doomed.missionId, 'cancel');
  const error = await doomedHandle.result().catch((err: unknown) => err);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect((await client.workflow.getHandle(`${doomed.missionId}.t0`).describe()).status.name).toBe('CANCELLED');

  // The held mission was never admitted, though slots were free: cancelling it starts nothing.
  expect(entry(await towerState(client), waiting.missionId)).toMatchObject({ state: 'queued', held: true });
  expect(await controlMission(client, waiting.missionId, 'cancel')).toMatchObject({ state: 'cancelled' });
  const state = await untilTower((s) => ended(s, paused.missionId, doomed.missionId, waiting.missionId), 'all ended');
  expect(entry(state, doomed.missionId)?.state).toBe('cancelled');
  expect(entry(state, waiting.missionId)).toMatchObject({ state: 'cancelled', reason: 'cancelled while queued' });
  expect(await runsOf(`mission.${waiting.missionId}`)).toBe(0);
  const refused = await controlMission(client, waiting.missionId, 'resume').catch((err: unknown) => err);
  expect((refused as DreamError).message).toContain('has already ended (cancelled)');
}, 180_000);

test('the tower continues as new while missions run and loses none of them', async () => {
  await tower({ historyEventLimit: 50, healthIntervalMs: 500, maxConcurrentAgentTasks: 4 });
  const missions = [missionOf(tasks(3, 700), { maxConcurrentTasks: 2 }), missionOf(tasks(3, 700), { maxConcurrentTasks: 2 }), missionOf(tasks(2, 700), { maxConcurrentTasks: 2 })];
  for (const mission of missions) await submitThroughTower(client, { mission });

  const state = await untilTower((s) => ended(s, ...missions.map((m) => m.missionId)), 'every mission reported its end across runs', 120_000);
  expect(state.run).toBeGreaterThan(1);
  for (const m of missions) expect(entry(state, m.missionId)).toMatchObject({ state: 'completed', progress: { settled: m.tasks.length, total: m.tasks.length } });
  // The tower goes on continuing as new after the query (its limit is 50 events): at least the runs before it.
  expect(await runsOf(TOWER_WORKFLOW_ID, 'ContinuedAsNew')).toBeGreaterThanOrEqual(state.run - 1);
  for (const m of missions) expect(await runsOf(`mission.${m.missionId}`)).toBe(1);
}, 180_000);

test('a mission that makes no progress raises a stuck-mission alert, cleared when it ends', async () => {
  await tower({ stuckAfterMs: 1_000, healthIntervalMs: 500 });
  // Its one task waits on a model that takes far longer than the tower's patience: the mission is quiet.
  const stuck = missionOf([{ taskId: 'lonely', model: { sim: { latencyMs: 60_000 } }, timeouts: { promptMs: 90_000, heartbeatMs: 3_000 } }]);
  await submitThroughTower(client, { mission: stuck });

  const raised = await untilTower((s) => (s.health?.alerts ?? []).some((a) => a.kind === 'stuck-mission' && a.subject === stuck.missionId), 'a stuck-mission alert', 30_000);
  const alert = raised.health!.alerts.find((a) => a.subject === stuck.missionId)!;
  expect(alert.message).toContain(`mission ${stuck.missionId} has reported no progress`);
  expect(alert.message).toContain(`dreamos mission cancel ${stuck.missionId}`);
  expect(raised.health!.queues.map((q) => `${q.queue}/${q.type}`)).toEqual(expect.arrayContaining(['agents/workflow', 'agents/activity', 'nexus/activity', 'control/workflow']));

  await controlMission(client, stuck.missionId, 'cancel');
  await untilTower((s) => ended(s, stuck.missionId) && !(s.health?.alerts ?? []).some((a) => a.subject === stuck.missionId), 'the alert cleared');
}, 90_000);
