import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { FailureStore } from '../../src/analytics/store';
import { RunningDashboard, startDashboard } from '../../src/dashboard/server';
import { ScalingEvent, ScalingEventStore } from '../../src/scaling/events';
import { ARTIFACTS } from '../helpers/paths';

/** The dashboard's scaling panel in headless Chromium: workers over time against backlog, from scaling.db. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface PageGlobals {
  dreamDashboard?: { scaling?: unknown[]; charts: { scaling: { data: { labels: string[]; datasets: Array<{ label: string; data: Array<number | null> }> } } } };
  document: { getElementById(id: string): { textContent: string } };
}

let dir: string;
let store: FailureStore;
let scaling: ScalingEventStore;
let dashboard: RunningDashboard;
let browser: Browser;

/**
 * A burst: backlog 40, workers 1 → 3 → 4, then idle and released to 1. Swarm `e2e` keeps a warm
 * standby (none at the maximum of 4), swarm `plain` none.
 */
function burst(now: number, swarmId: string, standby: number[]): ScalingEvent[] {
  const rows: Array<[number, number, number, number, number, string]> = [
    [0, 1, 1, 0, 0, 'steady'],
    [5, 1, 3, 40, 40, 'backlog'],
    [10, 3, 4, 30, 40, 'backlog'],
    [15, 4, 4, 0, 12, 'steady'],
    [20, 4, 4, 0, 0, 'stabilising'],
    [25, 4, 1, 0, 0, 'idle-release'],
  ];
  return rows.map(([s, current, desired, backlog, open, reason], i) => ({
    key: `${swarmId}#${i}#std`,
    at: now - 60_000 + s * 1000,
    swarmId,
    profile: 'std',
    queue: 'agents',
    activityBacklog: backlog,
    workflowBacklog: 0,
    openTasks: open,
    backlogAgeMs: 0,
    addRate: 0,
    dispatchRate: 0,
    pollers: current,
    current,
    desired,
    actual: desired,
    reason,
    started: [],
    drained: [],
    dead: [],
    adopted: [],
    standby: standby[i],
    activated: [],
  }));
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-scaling-chart-'));
  store = FailureStore.open(path.join(dir, 'analytics.db'));
  scaling = ScalingEventStore.open(path.join(dir, 'scaling.db'));
  const now = Date.now();
  scaling.record([...burst(now, 'e2e', [1, 0, 0, 0, 0, 1]), ...burst(now, 'plain', [0, 0, 0, 0, 0, 0])]);
  dashboard = await startDashboard({ store, port: 0, scalingEvents: scaling });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  scaling?.close();
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the scaling chart draws workers, desired and standby workers against backlog, and names the last decision', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${dashboard.url}/?since=1h`);
  await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).dreamDashboard?.scaling?.length ?? 0) > 0, undefined, { timeout: 15_000 });
  const drawn = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const chart = g.dreamDashboard!.charts.scaling;
    return { datasets: chart.data.datasets.map((d) => [d.label, d.data]), scope: g.document.getElementById('scaling-scope').textContent };
  });
  // Profiles come in the order of their events; within a profile the series order is fixed.
  const byProfile = (label: unknown) => String(label).split(' ')[0];
  drawn.datasets.sort((a, b) => byProfile(a[0]).localeCompare(byProfile(b[0])));
  // A standby series only for the profile that keeps standby workers.
  expect(drawn.datasets).toEqual([
    ['e2e/std workers', [1, 3, 4, 4, 4, 1]],
    ['e2e/std desired', [1, 3, 4, 4, 4, 1]],
    ['e2e/std standby', [1, 0, 0, 0, 0, 1]],
    ['e2e/std backlog', [0, 40, 30, 0, 0, 0]],
    ['e2e/std open tasks', [0, 40, 40, 12, 0, 0]],
    ['plain/std workers', [1, 3, 4, 4, 4, 1]],
    ['plain/std desired', [1, 3, 4, 4, 4, 1]],
    ['plain/std backlog', [0, 40, 30, 0, 0, 0]],
    ['plain/std open tasks', [0, 40, 40, 12, 0, 0]],
  ]);
  expect(drawn.scope).toMatch(/last decision .*: 4 → 1 \(idle-release\)/);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator('section[aria-label="Scaling"]').screenshot({ path: path.join(ARTIFACTS, 'dashboard-scaling.png') });
  expect(errors).toEqual([]);
});
