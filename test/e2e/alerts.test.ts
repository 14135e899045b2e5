import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import type { AlertRecordResult } from '../../src/analytics/alerts';
import type { AlertsView } from '../../src/dashboard/missions-view';
import type { SwarmAlert } from '../../src/contracts/tower';
import { INVALID_ALERTS } from '../../src/contracts/failure-types';
import { launchChromium, watchedPage } from '../helpers/browser';
import { ARTIFACTS } from '../helpers/paths';
import { startTestWorkers, TestWorkers, uniqueId, useFixtureWorkflows } from '../helpers/temporal';
import { sendAlerts } from './fixtures/alert-workflows';

/**
 * Swarm alerts end to end: written through the recordAlerts activity of a real nexus worker (as the
 * control tower writes them), read back from that worker's dashboard by its API and in Chromium.
 */
const fixture = useFixtureWorkflows(require.resolve('./fixtures/alert-workflows'));
let nexus: TestWorkers;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const raisedAt = Date.now() - 60_000;
const stuck: SwarmAlert = {
  key: `stuck-mission:m-alerts:${raisedAt}`,
  kind: 'stuck-mission',
  subject: 'm-alerts',
  severity: 'critical',
  message: 'mission m-alerts made no progress for 15 min',
  raisedAt,
};
const noPollers: SwarmAlert = {
  key: `queue-without-pollers:agents/activity:${raisedAt + 1}`,
  kind: 'queue-without-pollers',
  subject: 'agents/activity',
  severity: 'warning',
  message: 'agents/activity has a backlog of 12 and no pollers',
  raisedAt: raisedAt + 1,
};

/** Runs the fixture workflow that sends `alerts` to the nexus queue; returns the workflow's result or failure. */
async function send(alerts: unknown[]) {
  const taskQueue = uniqueId('alerts-fixture');
  const worker = await Worker.create({ connection: fixture.connection, taskQueue, workflowBundle: fixture.workflowBundle });
  const workflowId = uniqueId('send-alerts');
  return worker.runUntil(async () => {
    const handle = await fixture.client.workflow.start(sendAlerts, { taskQueue, workflowId, args: [alerts as SwarmAlert[]] });
    const outcome: { value?: AlertRecordResult; error?: unknown } = await handle.result().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    return { ...outcome, handle };
  });
}

async function apiAlerts(): Promise<AlertsView> {
  const response = await fetch(`${nexus.dashboardUrl}/api/alerts?since=1h`);
  expect(response.status).toBe(200);
  return (await response.json()) as AlertsView;
}

const rowOf = (alert: SwarmAlert) => page.locator(`#alerts-body tr[data-key="${alert.key}"]`);

beforeAll(async () => {
  nexus = await startTestWorkers({ queues: ['nexus'], dashboard: true });
  expect(nexus.dashboardUrl).toBeDefined();
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  await page.goto(`${nexus.dashboardUrl}/?since=1h`);
  await page.waitForFunction(() => ((globalThis as { dreamMissions?: { alertUpdates: number } }).dreamMissions?.alertUpdates ?? 0) > 0);
});

afterAll(async () => {
  await browser?.close();
  await nexus?.stop();
});

test('alerts recorded by the nexus worker are listed by /api/alerts and appear on the open page, active ones first', async () => {
  const { value } = await send([stuck, noPollers]);
  expect(value).toEqual({ raised: 2, cleared: 0, unchanged: 0 });

  const listed = await apiAlerts();
  expect(listed).toEqual({ stored: true, active: [noPollers, stuck], cleared: [] });

  await rowOf(stuck).waitFor();
  await rowOf(noPollers).waitFor();
  expect(await rowOf(stuck).innerText()).toMatch(/critical\s+stuck-mission\s+m-alerts\s+mission m-alerts made no progress for 15 min/);
  expect(await page.locator('#alerts-body tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { key: string } }).dataset.key))).toEqual([noPollers.key, stuck.key]);

  // The same batch again (a retried activity, a replayed tower) changes nothing.
  expect((await send([stuck, noPollers])).value).toEqual({ raised: 0, cleared: 0, unchanged: 2 });
});

test('a clear updates the stored alert: it moves below the active ones, marked cleared, without a reload', async () => {
  await page.evaluate(() => ((globalThis as { notReloaded?: boolean }).notReloaded = true));
  const clearedAt = Date.now();
  expect((await send([{ ...stuck, clearedAt }])).value).toEqual({ raised: 0, cleared: 1, unchanged: 0 });

  expect(await apiAlerts()).toEqual({ stored: true, active: [noPollers], cleared: [{ ...stuck, clearedAt }] });
  await page.locator(`#alerts-body tr.cleared[data-key="${stuck.key}"]`).waitFor();
  expect(await page.locator('#alerts-body tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { className: string }).className))).toEqual(['active', 'cleared']);
  expect(await rowOf(stuck).locator('td').first().innerText()).toBe('cleared');
  expect(await rowOf(stuck).locator('td').last().innerText()).not.toBe('—');
  expect(await rowOf(noPollers).locator('td').last().innerText()).toBe('—');
  expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator('#alerts').screenshot({ path: path.join(ARTIFACTS, 'dashboard-alerts.png') });
});

test('a bad input is rejected at once as InvalidAlerts, non-retryable, naming the field; nothing is stored', async () => {
  const before = await apiAlerts();
  const bad = { ...noPollers, key: 'bad:1', kind: 'disk-full', raisedAt: 'yesterday' };
  const { error, handle } = await send([bad]);

  expect(error).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  const cause = (activityFailure as ActivityFailure).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause.type).toBe(INVALID_ALERTS);
  expect(cause.nonRetryable).toBe(true);
  expect(cause.message).toMatch(/alerts\.0\.kind/);
  expect(cause.message).toMatch(/alerts\.0\.raisedAt/);
  // One attempt although the retry policy allows four.
  const { events } = await handle.fetchHistory();
  const started = (events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
  expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  expect(await apiAlerts()).toEqual(before);
});

test('the page ran without script errors', () => {
  expect(pageErrors).toEqual([]);
});
