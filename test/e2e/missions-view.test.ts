import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { FailureStore } from '../../src/analytics/store';
import { runUrl } from '../../src/analytics/report';
import { MissionGraph } from '../../src/contracts/mission';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { decideCommand, MissionsPageView } from '../../src/dashboard/missions-view';
import { RunningDashboard, startDashboard } from '../../src/dashboard/server';
import { getMission, sendDecision, startMission } from '../../src/missions/mission-client';
import { SCHEDULED_MISSION_WORKFLOW, temporalMissionsSource } from '../../src/missions/overview';
import { freePort } from '../../src/temporal/dev-server';
import { launchChromium, watchedPage } from '../helpers/browser';
import { ESCALATE_FAST, failsFor, missionOf, waitForGraph } from '../helpers/missions';
import { ARTIFACTS } from '../helpers/paths';
import { startTestWorkers, testClient, TestWorkers, uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

/**
 * The dashboard's missions view in Chromium, served by a real nexus worker (its Temporal client
 * built in workers/create.ts) while a real mission runs on agents and control workers: a task
 * waiting for a person is shown with its question and the commands that answer it, until answered.
 */
const UI = { temporalUiUrl: 'http://localhost:8233', namespace: 'default' };
let workers: TestWorkers;
let client: Client;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function apiMissions(url = workers.dashboardUrl): Promise<MissionsPageView> {
  const response = await fetch(`${url}/api/missions`);
  expect(response.status).toBe(200);
  return (await response.json()) as MissionsPageView;
}

beforeAll(async () => {
  client = await testClient();
  workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'], dashboard: true });
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  await page.goto(`${workers.dashboardUrl}/?since=1h`);
  await page.waitForFunction(() => ((globalThis as { dreamMissions?: { missionUpdates: number } }).dreamMissions?.missionUpdates ?? 0) > 0);
});

afterAll(async () => {
  await browser?.close();
  await workers?.stop();
  await client?.connection.close();
});

describe('a mission waiting for a person', () => {
  // facts completes; hard escalates for its first role and, with askPerson: always, waits for a person; summary waits for both.
  const input = missionOf(
    [
      { taskId: 'facts' },
      { taskId: 'hard', role: 'junior', budget: ESCALATE_FAST, model: { sim: failsFor('junior') } },
      { taskId: 'summary', dependsOn: ['facts', 'hard'] },
    ],
    { supervision: { askPerson: 'always', maxSplitDepth: 0, personDeadlineMs: 600_000 } },
  );
  const missionId = input.missionId;
  const card = () => page.locator(`#missions-running-list details.mission[data-mission-id="${missionId}"]`);
  const question = () => page.locator(`#questions .question[data-mission="${missionId}"][data-task="hard"]`);
  let asked: MissionGraph;
  let runId: string;

  beforeAll(async () => {
    const handle = await startMission(client, input);
    runId = (await handle.describe()).runId;
    asked = await waitForGraph(handle, (g) => g.pending.length === 1 && g.tasks.find((t) => t.taskId === 'facts')?.state === 'completed', 60_000);
  });

  test('the page shows the question: task, reason, allowed decisions, deadline and the exact decide commands', async () => {
    const pending = asked.pending[0];
    expect(pending.taskId).toBe('hard');
    await question().waitFor({ timeout: 30_000 });
    const text = await question().innerText();
    expect(text).toContain(missionId);
    expect(text).toContain(pending.reason);
    expect(text).toContain(`allowed: ${pending.allowed.join(', ')}`);
    expect(text).toContain(`default ${pending.fallback}`);
    const commands = await question().locator('code').allInnerTexts();
    expect(commands).toEqual(pending.allowed.map((d) => `dreamos mission decide ${missionId} hard ${d}`));
    expect(await question().locator('a').getAttribute('href')).toBe(runUrl(UI.temporalUiUrl, `mission.${missionId}`, runId, UI.namespace));

    const api = await apiMissions();
    const listed = api.questions.find((q) => q.missionId === missionId);
    expect(listed).toMatchObject({ taskId: 'hard', reason: pending.reason, allowed: pending.allowed, deadline: pending.deadline, commands });
  });

  test('the running mission shows its task tree with states, attempts, tokens, dependencies and Web UI links', async () => {
    await card().waitFor();
    expect(await card().getAttribute('open')).not.toBeNull();
    const rows = card().locator('table.tasks tbody tr');
    await waitFor('the task rows', async () => ((await rows.count()) === 3 ? true : undefined));
    const byTask = async (taskId: string) => card().locator(`table.tasks tr[data-task="${taskId}"] td`).allInnerTexts();
    const graphTask = (taskId: string) => asked.tasks.find((t) => t.taskId === taskId)!;

    const facts = await byTask('facts');
    expect(facts.slice(0, 5)).toEqual(['facts', 'researcher', 'completed', '1', new Intl.NumberFormat('en-US').format(graphTask('facts').tokens)]);
    expect(graphTask('facts').tokens).toBeGreaterThan(0);
    expect((await byTask('hard')).slice(0, 4)).toEqual(['hard', 'junior', 'asking', '1']);
    const summary = await byTask('summary');
    expect(summary.slice(0, 3)).toEqual(['summary', 'researcher', 'waiting']);
    expect(summary[5]).toBe('after facts, hard');

    // Each link opens the run's own page (its history), not the list of the workflow id's runs.
    const runPage = async (workflowId: string) => runUrl(UI.temporalUiUrl, workflowId, (await client.workflow.getHandle(workflowId).describe()).runId, UI.namespace);
    const factsRun = card().locator('table.tasks tr[data-task="facts"] a');
    expect(await factsRun.getAttribute('href')).toBe(await runPage(`${missionId}.facts`));
    expect(await factsRun.getAttribute('href')).toMatch(new RegExp(`/namespaces/default/workflows/${missionId}\\.facts/[0-9a-f-]{36}/history$`));
    expect(await card().locator('table.tasks tr[data-task="hard"] a').getAttribute('href')).toBe(await runPage(`${missionId}.hard`));
    expect(await card().locator('table.decisions a').first().getAttribute('href')).toBe(await runPage(`${missionId}.hard`));
    expect(await card().locator('summary a').getAttribute('href')).toBe(runUrl(UI.temporalUiUrl, `mission.${missionId}`, runId, UI.namespace));
    expect(await card().locator('summary a').getAttribute('href')).toMatch(/\/history$/);
    // The question is in the mission's card too, and the supervisor's ask-person decision in its decisions.
    expect(await card().locator('.question code').first().innerText()).toBe(decideCommand(missionId, 'hard', asked.pending[0].allowed[0]));
    expect(await card().locator('table.decisions').innerText()).toContain('ask-person');

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#missions-view').screenshot({ path: path.join(ARTIFACTS, 'dashboard-missions-view.png') });
  });

  test('once the decision is sent the question disappears and the mission ends among the recently ended, its graph from its result', async () => {
    await page.evaluate(() => ((globalThis as { notReloaded?: boolean }).notReloaded = true));
    await sendDecision(client, missionId, { taskId: 'hard', decision: 'reassign', role: 'expert' });
    await question().waitFor({ state: 'detached', timeout: 30_000 });
    const result = await getMission(client, missionId).result();
    expect(result.status).toBe('completed');

    const ended = page.locator(`#missions-ended-list details.mission[data-mission-id="${missionId}"]`);
    await ended.waitFor({ timeout: 30_000 });
    expect(await card().count()).toBe(0);
    expect(await ended.locator('summary').innerText()).toContain('completed');
    expect(await ended.getAttribute('open')).toBeNull();
    await ended.locator('summary b').click();
    await ended.locator('table.tasks tr[data-task="hard"]').waitFor({ state: 'visible' });
    // Opened by hand, it stays open through the next live updates.
    const updates = await page.evaluate(() => (globalThis as { dreamMissions?: { missionUpdates: number } }).dreamMissions!.missionUpdates);
    await page.waitForFunction((seen) => (globalThis as { dreamMissions?: { missionUpdates: number } }).dreamMissions!.missionUpdates > seen + 1, updates, { timeout: 30_000 });
    expect(await ended.getAttribute('open')).not.toBeNull();
    expect(await ended.locator('table.tasks tr[data-task="hard"] td').allInnerTexts()).toEqual(
      expect.arrayContaining(['hard', 'expert', 'completed', '2']),
    );
    expect(await ended.locator('.question').count()).toBe(0);
    expect(await ended.locator('table.decisions').innerText()).toContain('reassign (person)');
    expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);

    const fromApi = (await apiMissions()).ended.find((m) => m.missionId === missionId)!;
    expect(fromApi.graph).toMatchObject({ status: 'completed', tokens: result.tokens, pending: [] });
  });
});

test('a split task is shown as a tree: its parts and merge step right under it, marked as parts of it', async () => {
  const input = missionOf(
    [
      { taskId: 'survey', steps: 2, goal: 'Survey the WHOLE-MARKET', budget: ESCALATE_FAST, model: { sim: { rules: [{ whenPromptIncludes: 'WHOLE-MARKET', unlessPromptIncludes: 'Part ', fault: 'empty-answer' }] } } },
      { taskId: 'other' },
    ],
    { supervision: { splitParts: 2 } },
  );
  const result = await (await startMission(client, input)).result();
  expect(result.tasks.map((t) => t.taskId)).toEqual(['survey', 'other', 'survey.p1', 'survey.p2', 'survey.merge']);

  const ended = page.locator(`#missions-ended-list details.mission[data-mission-id="${input.missionId}"]`);
  await ended.waitFor({ state: 'attached', timeout: 30_000 });
  await ended.locator('summary b').click();
  await ended.locator('table.tasks').waitFor({ state: 'visible' });
  const firstCells = await ended.locator('table.tasks tbody tr td:first-child').allInnerTexts();
  expect(firstCells).toEqual(['survey', '↳ survey.p1', '↳ survey.p2', '↳ survey.merge', 'other']);
  expect(await ended.locator('table.tasks tr[data-task="survey.p1"] td').nth(5).innerText()).toBe('part of survey');
  expect(await ended.locator('table.decisions').innerText()).toContain('split');
});

test('a mission that ended without a result is listed among the ended ones, saying why it has no graph', async () => {
  const input = missionOf([{ taskId: 'slow', model: { sim: { latencyMs: 30_000 } }, timeouts: { promptMs: 60_000, heartbeatMs: 3_000 } }]);
  const handle = await startMission(client, input);
  await handle.terminate('stopped by the e2e test');
  const ended = page.locator(`#missions-ended-list details.mission[data-mission-id="${input.missionId}"]`);
  await ended.waitFor({ state: 'attached', timeout: 30_000 });
  expect(await ended.locator('summary').innerText()).toContain('terminated');
  await ended.locator('summary b').click();
  expect(await ended.locator('.body').innerText()).toMatch(/^No task graph: the run ended terminated: stopped by the e2e test/);
});

test('schedules that run the scheduledMission workflow are listed with their next run and paused state; others are not', async () => {
  const scheduleId = uniqueId('sched-mission');
  const otherId = uniqueId('sched-other');
  const every = { spec: { intervals: [{ every: '1h' as const }] }, state: { paused: true, note: 'paused by the e2e test' } };
  await client.schedule.create({ scheduleId, ...every, memo: { missionId: 'nightly-report' }, action: { type: 'startWorkflow', workflowType: SCHEDULED_MISSION_WORKFLOW, taskQueue: TASK_QUEUES.control, args: [{}] } });
  await client.schedule.create({ scheduleId: otherId, ...every, action: { type: 'startWorkflow', workflowType: 'somethingElse', taskQueue: TASK_QUEUES.control, args: [] } });
  try {
    const row = page.locator(`#missions-scheduled-list [data-schedule-id="${scheduleId}"]`);
    await row.waitFor({ timeout: 40_000 });
    const text = await row.innerText();
    expect(text).toContain('mission nightly-report');
    expect(text).toContain('paused');
    expect(text).toContain('paused by the e2e test');
    expect(await row.locator('a').getAttribute('href')).toBe(`${UI.temporalUiUrl}/namespaces/default/schedules/${scheduleId}`);
    expect(await page.locator(`#missions-scheduled-list [data-schedule-id="${otherId}"]`).count()).toBe(0);

    const listed = (await apiMissions()).scheduled.find((s) => s.scheduleId === scheduleId)!;
    const described = await client.schedule.getHandle(scheduleId).describe();
    expect(listed).toMatchObject({ paused: true, missionId: 'nightly-report' });
    const next = described.info.nextActionTimes[0];
    if (next) expect(text).toContain('next run ');
    expect(listed.nextRunAt).toBe(next?.getTime());
  } finally {
    await client.schedule.getHandle(scheduleId).delete();
    await client.schedule.getHandle(otherId).delete();
  }
});

test('with Temporal unreachable the missions view says so and the rest of the dashboard works', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-missions-down-'));
  const store = FailureStore.open(path.join(dir, 'analytics.db'));
  // A real client whose server is not there: nothing listens on this port.
  const nowhere = new Client({ connection: await Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
  let dashboard: RunningDashboard | undefined;
  const errors: string[] = [];
  const downPage = await watchedPage(browser, errors);
  try {
    dashboard = await startDashboard({ store, port: 0, missions: temporalMissionsSource({ client: nowhere, callTimeoutMs: 1_500 }), healthEveryMs: 500 });
    const api = await apiMissions(dashboard.url);
    expect(api).toMatchObject({ reachable: false, running: [], ended: [], questions: [] });
    expect(api.message).toMatch(/^Temporal did not answer/);
    expect((await fetch(`${dashboard.url}/api/dashboard`)).status).toBe(200);

    await downPage.goto(`${dashboard.url}/?since=1h`);
    const message = downPage.locator('#missions-view-message');
    await message.waitFor({ state: 'visible' });
    expect(await message.innerText()).toMatch(/Temporal did not answer/);
    await downPage.waitForFunction(() => ((globalThis as { dreamDashboard?: { updates: number } }).dreamDashboard?.updates ?? 0) > 0);
    expect(await downPage.locator('#tile-failures').innerText()).toBe('0');
    expect(errors).toEqual([]);
  } finally {
    await downPage.close();
    await dashboard?.close();
    await nowhere.connection.close().catch(() => undefined);
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the page ran without script errors', () => {
  expect(pageErrors).toEqual([]);
});
