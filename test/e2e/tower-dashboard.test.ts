import type { Client } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { TOWER_WORKFLOW_ID } from '../../src/contracts/tower';
import type { AlertsView, MissionsPageView } from '../../src/dashboard/missions-view';
import { workflowListUrl } from '../../src/dashboard/missions-view';
import { controlMission, ensureTower, getTower, towerRunning, submitThroughTower } from '../../src/missions/tower-client';
import { launchChromium, watchedPage } from '../helpers/browser';
import { missionOf } from '../helpers/missions';
import { ownNamespace, startTestWorkers, testClient, TestWorkers } from '../helpers/temporal';

/**
 * The control tower and the dashboard together, in a namespace of their own (one tower per
 * namespace): a mission queued behind the tower's global limit is listed with its position, and the
 * tower's stuck-mission alert reaches the page through recordAlerts on the nexus worker, raised
 * and then cleared.
 */
let namespace: string;
let client: Client;
let workers: TestWorkers;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${workers.dashboardUrl}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  namespace = await ownNamespace('tower-dash');
  client = await testClient(undefined, namespace);
  workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'], namespace, dashboard: true });
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  await page.goto(`${workers.dashboardUrl}/?since=1h`);
}, 120_000);

afterAll(async () => {
  if (client && (await towerRunning(client))) await getTower(client).terminate('end of the tower dashboard test');
  await browser?.close();
  await workers?.stop();
  await client?.connection.close();
});

test('a queued mission is listed with its position, and the tower’s stuck-mission alert is raised then cleared on the page', async () => {
  await ensureTower(client, { maxConcurrentAgentTasks: 1, stuckAfterMs: 1_000, healthIntervalMs: 500 });
  // Its one task waits on a model far slower than the tower's patience: it holds the only slot and is quiet.
  const stuck = missionOf([{ taskId: 'lonely', model: { sim: { latencyMs: 60_000 } }, timeouts: { promptMs: 90_000, heartbeatMs: 3_000 } }], { maxConcurrentTasks: 1 });
  const waiting = missionOf([{ taskId: 'next' }], { maxConcurrentTasks: 1 });
  expect((await submitThroughTower(client, { mission: stuck })).state).toBe('starting');
  expect(await submitThroughTower(client, { mission: waiting, priority: 2 })).toMatchObject({ state: 'queued', position: 1 });

  const queued = page.locator(`#missions-queued-list [data-mission-id="${waiting.missionId}"]`);
  await queued.waitFor({ timeout: 30_000 });
  expect(await queued.innerText()).toContain(`#1 ${waiting.missionId}`);
  expect(await queued.innerText()).toContain('priority 2');
  expect(await queued.locator('a').getAttribute('href')).toBe(workflowListUrl({ temporalUiUrl: 'http://localhost:8233', namespace }, TOWER_WORKFLOW_ID));
  expect((await api<MissionsPageView>('/api/missions')).queued).toEqual([expect.objectContaining({ missionId: waiting.missionId, position: 1, priority: 2, tasks: 1 })]);

  const alertRow = page.locator('#alerts-body tr.active', { hasText: `mission ${stuck.missionId} has reported no progress` });
  await alertRow.waitFor({ timeout: 40_000 });
  expect(await alertRow.innerText()).toContain('stuck-mission');
  const stored = await api<AlertsView>('/api/alerts?since=1h');
  const alert = stored.active.find((a) => a.kind === 'stuck-mission' && a.subject === stuck.missionId)!;
  expect(alert.key).toBe(`stuck-mission:${stuck.missionId}:${alert.raisedAt}`);

  // Cancelled, the mission ends: the tower clears its alert and admits the queued one.
  await controlMission(client, stuck.missionId, 'cancel');
  await page.locator(`#alerts-body tr.cleared[data-key="${alert.key}"]`).waitFor({ timeout: 40_000 });
  const after = await api<AlertsView>('/api/alerts?since=1h');
  expect(after.cleared.find((a) => a.key === alert.key)?.clearedAt).toBeGreaterThanOrEqual(alert.raisedAt);
  expect(after.active.find((a) => a.key === alert.key)).toBeUndefined();
  await queued.waitFor({ state: 'detached', timeout: 40_000 });
  await page.locator(`details.mission[data-mission-id="${waiting.missionId}"]`).first().waitFor({ state: 'attached', timeout: 40_000 });
}, 180_000);

test('the page ran without script errors', () => {
  expect(pageErrors).toEqual([]);
});
