import { Client, ScheduleDescription, ScheduleNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createScheduleActivities } from '../../activities/schedule';
import { MissionInput } from '../../src/contracts/mission-spec';
import {
  ENDED_MISSION_STATES,
  missionForRun,
  runMissionId,
  SCHEDULED_MISSION_REJECTED,
  SCHEDULED_MISSION_UNFINISHED,
  SCHEDULED_MISSION_WORKFLOW,
  ScheduledMissionResult,
  scheduledRunWorkflowId,
  scheduleSource,
} from '../../src/contracts/scheduled-mission';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { submitThroughTower, towerState } from '../../src/missions/tower-client';
import { actOnMissionSchedule, createMissionSchedule, describeMissionSchedule } from '../../src/missions/schedule-client';
import { parseScheduleSpec } from '../../src/missions/schedule-spec';
import { missionOf } from '../helpers/missions';
import { ownNamespace, startTestWorkers, testClient, TestWorkers, uniqueId, workflowFailure } from '../helpers/temporal';

/** The tower is one per namespace: this file has a namespace of its own. */
const env = {} as { client: Client; workers: TestWorkers };
const created: string[] = [];

beforeAll(async () => {
  const namespace = await ownNamespace('schedule');
  env.client = await testClient(undefined, namespace);
  env.workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'], namespace });
}, 120_000);

afterAll(async () => {
  for (const id of created) {
    const handle = env.client.schedule.getHandle(id);
    const open = await handle.describe().then((d) => d.info.runningActions, () => []);
    await handle.delete().catch(() => undefined);
    for (const run of open) await env.client.workflow.getHandle(run.workflow.workflowId).terminate('test over').catch(() => undefined);
  }
  await env.workers?.stop();
  await env.client?.connection.close();
});

async function schedule(mission: MissionInput, every: string, options: { paused?: boolean } = {}): Promise<string> {
  const scheduleId = uniqueId('sched');
  created.push(scheduleId);
  await createMissionSchedule(env.client, { scheduleId, spec: parseScheduleSpec({ every }), mission, priority: 3, paused: options.paused ?? false });
  return scheduleId;
}

const describeSchedule = (scheduleId: string) => describeMissionSchedule(env.client, scheduleId);

/** Polls the schedule until `check` holds, calling `each` on every description on the way. */
async function waitForSchedule(scheduleId: string, check: (d: ScheduleDescription) => boolean, timeoutMs: number, each?: (d: ScheduleDescription) => void): Promise<ScheduleDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describeSchedule(scheduleId);
    each?.(description);
    if (check(description)) return description;
    if (Date.now() > deadline) throw new Error(`schedule ${scheduleId} never matched; info: ${JSON.stringify({ taken: description.info.numActionsTaken, skipped: description.info.numActionsSkippedOverlap, running: description.info.runningActions.length })}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The runs the schedule started so far, in order, with their results once they end. */
async function runResults(description: ScheduleDescription): Promise<Array<{ workflowId: string; result: ScheduledMissionResult }>> {
  return Promise.all(
    description.info.recentActions.map(async ({ action }) => ({
      workflowId: action.workflow.workflowId,
      result: (await env.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).result()) as ScheduledMissionResult,
    })),
  );
}

const quick = () => missionOf([{ taskId: 'answer' }]);
/** One task whose model answers after 4 s (the test workers' model timeout is 5 s): the mission outlives a 1 s interval. */
const slow = () => missionOf([{ taskId: 'answer', model: { sim: { latencyMs: 4_000 } } }]);

describe('scheduled missions', () => {
  test('a schedule runs its mission twice through the tower, each run under its own mission id', async () => {
    const mission = quick();
    const scheduleId = await schedule(mission, '3s');

    const description = await waitForSchedule(scheduleId, (d) => d.info.numActionsTaken >= 2, 120_000);
    await actOnMissionSchedule(env.client, scheduleId, 'pause', 'two runs are enough');
    const runs = (await runResults(description)).slice(0, 2);

    for (const { workflowId, result } of runs) {
      expect(workflowId.startsWith(`${scheduledRunWorkflowId(scheduleId)}-`)).toBe(true);
      expect(result.state).toBe('completed');
      expect(result.missionId).toMatch(new RegExp(`^${mission.missionId}-\\d{14}$`));
    }
    expect(new Set(runs.map((r) => r.result.missionId)).size).toBe(2);
    const inTower = (await towerState(env.client)).missions.filter((m) => m.source === scheduleSource(scheduleId));
    expect(inTower.map((m) => m.missionId)).toEqual(expect.arrayContaining(runs.map((r) => r.result.missionId)));
    for (const m of inTower.filter((m) => runs.some((r) => r.result.missionId === m.missionId))) expect(m.state).toBe('completed');
    // Each run's mission ran its task under the run's id.
    const task = await env.client.workflow.getHandle(`${runs[0].result.missionId}.answer`).describe();
    expect(task.status.name).toBe('COMPLETED');
  }, 180_000);

  test('a run is skipped while the previous one is open: one run at a time', async () => {
    const scheduleId = await schedule(slow(), '1s');
    let mostOpen = 0;
    const description = await waitForSchedule(scheduleId, (d) => d.info.numActionsSkippedOverlap >= 2 && d.info.numActionsTaken >= 1, 120_000, (d) => {
      mostOpen = Math.max(mostOpen, d.info.runningActions.length);
    });
    await actOnMissionSchedule(env.client, scheduleId, 'pause', 'seen enough');

    expect(mostOpen).toBe(1);
    expect(description.policies.overlap).toBe('SKIP');
    const open = (await towerState(env.client)).missions.filter((m) => m.source === scheduleSource(scheduleId) && !ENDED_MISSION_STATES.includes(m.state));
    expect(open.length).toBeLessThanOrEqual(1);
    const [first] = await runResults({ ...description, info: { ...description.info, recentActions: description.info.recentActions.slice(0, 1) } });
    expect(first.result.state).toBe('completed');
  }, 180_000);

  test('a paused schedule starts no run; trigger starts one at once, and a second trigger while it is open is skipped', async () => {
    const scheduleId = await schedule(slow(), '2s', { paused: true });
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await describeSchedule(scheduleId)).info.numActionsTaken).toBe(0);

    await actOnMissionSchedule(env.client, scheduleId, 'trigger');
    await waitForSchedule(scheduleId, (d) => d.info.runningActions.length === 1, 60_000);
    await actOnMissionSchedule(env.client, scheduleId, 'trigger');
    const description = await waitForSchedule(scheduleId, (d) => d.info.numActionsSkippedOverlap === 1, 60_000);
    expect(description.info.numActionsTaken).toBe(1);
    const [run] = await runResults(description);
    expect(run.result.state).toBe('completed');
    // Still paused: nothing more ran while the triggered run went on.
    expect((await describeSchedule(scheduleId)).info.numActionsTaken).toBe(1);
  }, 180_000);

  test('pause stops a running schedule; delete removes it', async () => {
    const scheduleId = await schedule(quick(), '2s');
    await waitForSchedule(scheduleId, (d) => d.info.numActionsTaken >= 1, 60_000);
    await actOnMissionSchedule(env.client, scheduleId, 'pause', 'stop');
    const paused = await describeSchedule(scheduleId);
    expect(paused.state.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await describeSchedule(scheduleId)).info.numActionsTaken).toBe(paused.info.numActionsTaken);

    await actOnMissionSchedule(env.client, scheduleId, 'delete');
    await expect(env.client.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 120_000);

  test("a run whose mission does not report its end within the mission's deadline and the margin fails ScheduledMissionUnfinished", async () => {
    // A mission holding every agent-task slot of the tower (its concurrency clamped to the limit) for 4 s: the run's mission queues behind it.
    const blocker = missionOf([{ taskId: 'hold', model: { sim: { latencyMs: 4_000 } } }], { maxConcurrentTasks: 200 });
    await submitThroughTower(env.client, { mission: blocker, priority: 1 }, { start: true });
    const mission = missionOf([{ taskId: 'answer' }], { deadlineMs: 1_000 });
    const scheduleId = uniqueId('sched');
    const handle = await env.client.workflow.start(SCHEDULED_MISSION_WORKFLOW, {
      workflowId: scheduledRunWorkflowId(scheduleId),
      taskQueue: TASK_QUEUES.control,
      args: [{ scheduleId, mission, endWaitMarginMs: 0 }],
    });

    const failure = await workflowFailure(handle);
    expect(failure.type).toBe(SCHEDULED_MISSION_UNFINISHED);
    expect(failure.nonRetryable).toBe(true);
    const runMission = new RegExp(`^Mission (${mission.missionId}-\\d{14}) did not report its end within its deadline \\(1000 ms\\) and 0 ms\\. Fix: see \`dreamos mission status \\1\` and the tower's state; it may still be queued or running`);
    expect(failure.message).toMatch(runMission);
    // It was still queued behind the blocker when the run gave up.
    const missionId = runMission.exec(failure.message)?.[1];
    const blocked = (await towerState(env.client)).missions.find((m) => m.missionId === missionId);
    expect(blocked?.state).toBe('queued');
  }, 60_000);

  test('a retried submission of the same run succeeds with what the tower knows; another run with that mission id is refused', async () => {
    const { submitScheduledMission } = createScheduleActivities(env.client);
    // Slow: the mission still runs when the other run comes (the tower takes an ended mission's id again).
    const base = slow();
    const mission = missionForRun(base, runMissionId(base.missionId, new Date()));
    const run = { scheduleId: uniqueId('sched'), mission, priority: 3, notify: uniqueId('scheduled.run') };

    const first = await submitScheduledMission(run);
    const retried = await submitScheduledMission(run);
    expect(first).toMatchObject({ missionId: mission.missionId, alreadySubmitted: false });
    expect(retried).toMatchObject({ missionId: mission.missionId, workflowId: first.workflowId, alreadySubmitted: true });

    const other = await submitScheduledMission({ ...run, notify: uniqueId('scheduled.other') }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(other).toBeInstanceOf(ApplicationFailure);
    expect(other).toMatchObject({ type: SCHEDULED_MISSION_REJECTED, nonRetryable: true });
    expect((other as Error).message).toContain(mission.missionId);
    expect((other as Error).message).toContain('Fix:');
  }, 120_000);
});
