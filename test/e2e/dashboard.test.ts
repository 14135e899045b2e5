import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { Browser, chromium, Page } from 'playwright-core';
import { chainIdOf, FailureEventInput } from '../../src/contracts/failure-events';
import { LiveHealth, MissionTokens, temporalHealthSource } from '../../src/analytics/health';
import { analyticsCommand, MissionTokensReport } from '../../src/cli/analytics';
import { FailureStore } from '../../src/analytics/store';
import type { FailureClass } from '../../src/contracts/failure-taxonomy';
import { RunningDashboard, startDashboard } from '../../src/dashboard/server';
import { startAgentTask } from '../../src/missions/client';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { ARTIFACTS } from '../helpers/paths';
import { startTestWorkers, taskSpec, testClient, testEnv, TestWorkers, uniqueId } from '../helpers/temporal';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the page exposes, typed without the DOM library (this project compiles for Node). */
interface ChartData {
  labels: string[];
  datasets: { label?: string; data: number[] }[];
}
interface Canvas {
  width: number;
  height: number;
  getContext(type: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
interface PageGlobals {
  dreamDashboard?: { updates: number; health: { live: { reachable: boolean } } | null };
  Chart: { getChart(canvas: unknown): { data: ChartData } | undefined };
  document: { getElementById(id: string): unknown };
  loadedOnce?: boolean;
}
const MINUTE = 60_000;
/** The shared server also holds the missions of other test files: list them all, so this file's is found whatever they spent. */
const ALL_MISSIONS = 1_000;

let dir: string;
let store: FailureStore;
let client: Client;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Chains of the last hour: classes with known counts, healed, rolled back, escalated and abandoned. */
function seedEvents(now: number): FailureEventInput[] {
  const events: FailureEventInput[] = [];
  const chain = (n: number, failureClass: FailureClass, ending: 'resolved' | 'abandoned' | 'open', strategy: string, healed: boolean) => {
    const workflowId = `mission-e2e-task-${n}`;
    const base = { missionId: 'mission-e2e', workflowId, runId: `run-${n}`, role: n % 2 ? 'critic' : 'researcher', step: 0, model: 'gpt-4o-mini', chainId: chainIdOf(workflowId, 0, 0) };
    const at = now - 50 * MINUTE + n * MINUTE;
    const kind = failureClass.startsWith('model-') ? 'activity-failure' : 'validation-failure';
    events.push({ ...base, idempotencyKey: `${workflowId}/0`, at, attempt: 1, kind, failureClass, outcome: 'retrying', message: `${failureClass} in task ${n}`, tokens: 400 });
    events.push({ ...base, idempotencyKey: `${workflowId}/1`, at: at + 2_000, attempt: 1, kind: 'heal-attempt', failureClass, strategy, outcome: healed ? 'healed' : 'retrying', tokens: 300 });
    if (ending === 'abandoned') {
      events.push({ ...base, idempotencyKey: `${workflowId}/2`, at: at + 4_000, attempt: 2, kind: 'escalation', failureClass: 'escalation', outcome: 'escalated' });
      events.push({ ...base, idempotencyKey: `${workflowId}/3`, at: at + 6_000, attempt: 2, kind: 'abandoned', outcome: 'abandoned' });
    }
    if (ending === 'resolved') events.push({ ...base, idempotencyKey: `${workflowId}/2`, at: at + 3_000, attempt: 2, kind: 'resolved', outcome: 'resolved' });
  };
  // 6 malformed-json, 3 model-rate-limit, 2 schema-violation: 11 failures, 8 resolved, 2 abandoned, 1 open.
  for (let n = 0; n < 6; n += 1) chain(n, 'malformed-json', 'resolved', 'local-repair', true);
  for (let n = 6; n < 9; n += 1) chain(n, 'model-rate-limit', n === 8 ? 'abandoned' : 'resolved', 'fallback-model', n !== 8);
  chain(9, 'schema-violation', 'abandoned', 'reask', false);
  chain(10, 'schema-violation', 'open', 'reask', false);
  return events;
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the dashboard end-to-end test needs a real browser. Install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-e2e-dashboard-'));
  store = FailureStore.open(path.join(dir, 'analytics.db'));
  store.record(seedEvents(Date.now()));
  client = await testClient();
  dashboard = await startDashboard({
    store,
    port: 0,
    temporalUiUrl: 'http://localhost:8233',
    namespace: 'default',
    healthSource: temporalHealthSource({ client, topMissions: ALL_MISSIONS }),
    pushEveryMs: 50,
    healthEveryMs: 500,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1300 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(`${dashboard.url}/?since=1h`);
  await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).dreamDashboard?.updates ?? 0) > 0);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await client?.connection.close();
  store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What a Chart.js instance on the page holds. */
function chartData(canvasId: string): Promise<ChartData | null> {
  return page.evaluate((id) => {
    const page = globalThis as unknown as PageGlobals;
    const chart = page.Chart.getChart(page.document.getElementById(id));
    return chart ? { labels: chart.data.labels.map(String), datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) } : null;
  }, canvasId);
}

/** Whether a canvas has any painted pixel. */
function painted(canvasId: string): Promise<boolean> {
  return page.evaluate((id) => {
    const canvas = (globalThis as unknown as PageGlobals).document.getElementById(id) as Canvas;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return canvas.width > 0 && canvas.height > 0;
    return false;
  }, canvasId);
}

const text = (selector: string) => page.locator(selector).innerText();

test('the charts are drawn by chart.js with the stored data', async () => {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const frequency = await chartData('chart-frequency');
  expect(Object.fromEntries(frequency!.datasets.map((d) => [d.label, sum(d.data)]))).toEqual({ 'malformed-json': 6, 'model-rate-limit': 3, 'schema-violation': 2 });

  const classes = await chartData('chart-classes');
  expect(classes!.labels).toEqual(['malformed-json', 'model-rate-limit', 'schema-violation']);
  expect(classes!.datasets[0].data).toEqual([6, 3, 2]);

  expect((await chartData('chart-resolution'))!.datasets[0].data).toEqual([8, 2, 1]);

  const ttr = await chartData('chart-ttr');
  expect(ttr!.labels[1]).toBe('1–5 s');
  expect(ttr!.datasets[0].data[1]).toBe(8);

  const strategies = await chartData('chart-strategies');
  expect(Object.fromEntries(strategies!.labels.map((label, i) => [label, strategies!.datasets[0].data[i]]))).toEqual({
    'local-repair · malformed-json': 100,
    'fallback-model · model-rate-limit': (100 * 2) / 3,
    'reask · schema-violation': 0,
  });

  for (const id of ['chart-frequency', 'chart-classes', 'chart-resolution', 'chart-ttr', 'chart-strategies']) expect({ id, painted: await painted(id) }).toEqual({ id, painted: true });
});

test('the figures are in the page', async () => {
  expect(await text('#tile-failures')).toBe('11');
  expect(await text('#tile-resolution')).toBe('80.0%');
  expect(await text('#tile-resolution-sub')).toBe('8 resolved · 2 abandoned · 1 open');
  expect(await text('#tile-ttr')).toBe('3.0 s');
  expect(await text('#tile-tokens')).toBe(fmtTokens(11 * 700));
  expect(await page.locator('#recent-body tr[data-key]').count()).toBe(11);
  const link = page.locator('#recent-body a').first();
  expect(await link.getAttribute('href')).toBe('http://localhost:8233/namespaces/default/workflows/mission-e2e-task-10/run-10/history');
});

test('swarm health shows what Temporal reports: running agent tasks and DescribeTaskQueue pollers', async () => {
  const workers = await startTestWorkers();
  const running = await startAgentTask(client, taskSpec({ steps: 3, model: { sim: { latencyMs: 1_500 } } }));
  try {
    const fromTemporal = async () => {
      const active = (await client.workflow.count('WorkflowType="agentTask" AND ExecutionStatus="Running"')).count;
      const answers = await Promise.all(
        Object.values(TASK_QUEUES).flatMap((name) => [1, 2].map((taskQueueType) => client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name }, taskQueueType }))),
      );
      return { active: String(active), pollers: String(answers.reduce((sum, answer) => sum + (answer.pollers?.length ?? 0), 0)) };
    };
    const onPage = async () => ({ active: (await text('#health-active')).replace(/,/g, ''), pollers: (await text('#health-pollers')).replace(/,/g, '') });
    // The page refreshes its health every 500 ms: it must match Temporal's own figures at one refresh.
    let last = { temporal: await fromTemporal(), page: await onPage() };
    for (let i = 0; i < 40 && JSON.stringify(last.temporal) !== JSON.stringify(last.page); i++) {
      await new Promise((r) => setTimeout(r, 250));
      last = { temporal: await fromTemporal(), page: await onPage() };
    }
    expect(last.page).toEqual(last.temporal);
    expect(Number(last.temporal.active)).toBeGreaterThanOrEqual(1);
    // This file's agents and nexus workers poll for workflow and activity tasks.
    expect(Number(last.temporal.pollers)).toBeGreaterThanOrEqual(3);
    expect(await text('#health-status')).toBe('live');
    expect(await text('#health-queues')).toContain('nexus');
  } finally {
    await running.terminate('end of the health test');
    await workers.stop();
  }
});

test('a new failure appears live, without a reload', async () => {
  // A reload would lose this flag.
  await page.evaluate(() => ((globalThis as unknown as PageGlobals).loadedOnce = true));
  const before = await page.evaluate(() => (globalThis as unknown as PageGlobals).dreamDashboard?.updates ?? 0);
  const workflowId = 'mission-e2e-task-live';
  store.record([
    {
      idempotencyKey: `${workflowId}/0`,
      at: Date.now(),
      missionId: 'mission-e2e',
      workflowId,
      runId: 'run-live',
      role: 'writer',
      step: 2,
      attempt: 1,
      kind: 'activity-failure',
      failureClass: 'heartbeat-timeout',
      message: 'live failure from the e2e test',
      chainId: chainIdOf(workflowId, 2, 0),
    },
  ]);
  await page.locator('#recent-body tr', { hasText: 'live failure from the e2e test' }).waitFor();
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).loadedOnce)).toBe(true);
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).dreamDashboard?.updates ?? 0)).toBeGreaterThan(before);
  expect(await text('#tile-failures')).toBe('12');
  expect(await text('#tile-heartbeats')).toBe('1');
  const classes = await chartData('chart-classes');
  expect(classes!.labels).toContain('heartbeat-timeout');
  expect(await page.locator('#recent-body tr').first().innerText()).toContain('heartbeat-timeout');

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  expect(fs.statSync(path.join(ARTIFACTS, 'dashboard.png')).size).toBeGreaterThan(10_000);
});

/** Calls `read` until `done` holds for its answer, for at most `timeoutMs` (visibility is eventually consistent). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('tokens by mission, from real agent tasks', () => {
  const missionId = uniqueId('mission-tokens');
  let workers: TestWorkers;
  let tokens: number;
  const tasks = 3;

  beforeAll(async () => {
    workers = await startTestWorkers();
    const handles = await Promise.all([1, 2, 1].map((steps) => startAgentTask(client, taskSpec({ missionId, steps }))));
    const results = await Promise.all(handles.map((h) => h.result()));
    tokens = results.reduce((sum, r) => sum + r.tokens, 0);
    expect(tokens).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await workers?.stop();
  });

  const missionIn = (live: Partial<LiveHealth>): MissionTokens | undefined => live.missions?.find((m) => m.missionId === missionId);

  test('the health source sums the tokens of each task of the mission', async () => {
    const source = temporalHealthSource({ client, topMissions: ALL_MISSIONS });
    const live = await eventually(source, (answer) => missionIn(answer)?.tasks === tasks && missionIn(answer)?.tokens === tokens);
    expect(missionIn(live)).toEqual({ missionId, tasks, running: 0, tokens });
    expect(live.missionTotals).toMatchObject({ limitReached: false });
    expect(live.missionTotals!.tasks).toBeGreaterThanOrEqual(tasks);
    expect(live.missionTotals!.tokens).toBeGreaterThanOrEqual(tokens);
  });

  test('the dashboard draws the mission in the tokens-by-mission chart', async () => {
    const bars = await eventually(
      async () => {
        const data = await chartData('chart-missions');
        return Object.fromEntries((data?.labels ?? []).map((label, i) => [label, data!.datasets[0].data[i]]));
      },
      (byMission) => byMission[missionId] === tokens,
    );
    expect(bars[missionId]).toBe(tokens);
    expect(await painted('chart-missions')).toBe(true);
    expect(Number((await text('#missions-tasks')).replace(/,/g, ''))).toBeGreaterThanOrEqual(tasks);
    expect(await text('#missions-tokens')).toMatch(/^[\d.,]+[kM]?$/);
    expect(await page.locator('#missions-message').isHidden()).toBe(true);
    await page.locator('section[aria-label="Tokens by mission"]').screenshot({ path: path.join(ARTIFACTS, 'dashboard-missions.png') });
  });

  test('dreamos analytics report --temporal adds the tokens by mission to the database figures', async () => {
    const address = testEnv().address;
    let printed = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    try {
      await analyticsCommand().parseAsync(['--db', store.file, 'report', '--since', '1h', '--json', '--temporal', address], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(printed) as { summary: { failures: number }; missionTokens: MissionTokensReport };
    expect(report.summary.failures).toBeGreaterThanOrEqual(11);
    expect(report.missionTokens).toMatchObject({ temporal: address, reachable: true });
    const { totals } = report.missionTokens as Extract<MissionTokensReport, { reachable: true }>;
    expect(totals.tasks).toBeGreaterThanOrEqual(tasks);
    expect(totals.tokens).toBeGreaterThanOrEqual(tokens);
  });
});

test('the page ran without script errors (chart.js loaded from the server, no CSP violations)', () => {
  expect(pageErrors).toEqual([]);
});

function fmtTokens(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}
