import http from 'node:http';
import { AlertStore } from '../../../src/analytics/alerts';
import { HealthSource } from '../../../src/analytics/health';
import { FailureStore } from '../../../src/analytics/store';
import { DashboardSnapshot } from '../../../src/dashboard/api';
import { RunningDashboard, startDashboard } from '../../../src/dashboard/server';
import { DreamError } from '../../../src/errors';
import { event, MINUTE, useStores } from './helpers';

const stores = useStores();
let running: RunningDashboard[] = [];

afterEach(async () => {
  await Promise.all(running.map((d) => d.close()));
  running = [];
});

async function serve(store: FailureStore, options: { token?: string; healthSource?: HealthSource } = {}): Promise<RunningDashboard> {
  const dashboard = await startDashboard({ store, port: 0, temporalUiUrl: 'http://localhost:8233', namespace: 'default', pushEveryMs: 20, ...options });
  running.push(dashboard);
  return dashboard;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

/** GET with a chosen Host header (fetch does not allow setting it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** Reads server-sent events until `until` returns true for one. */
async function readEvents(url: string, until: (name: string, data: unknown) => boolean): Promise<{ name: string; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = response.body!.getReader();
  const seen: { name: string; data: unknown }[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return seen;
      buffer += Buffer.from(value).toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (!name || data === undefined) continue;
        seen.push({ name, data: JSON.parse(data) });
        if (until(name, JSON.parse(data))) return seen;
      }
    }
  } finally {
    controller.abort();
  }
}

describe('dashboard API', () => {
  test('/api/dashboard carries every figure of the page for the window', async () => {
    const store = stores.open();
    const now = Date.now();
    store.record([
      event({ at: now - 10 * MINUTE, workflowId: 'wf-42', runId: 'run-9', chainId: 'c1', message: 'Unexpected token' }),
      event({ at: now - 9 * MINUTE, chainId: 'c1', kind: 'heal-attempt', strategy: 'reask', outcome: 'healed' }),
      event({ at: now - 8 * MINUTE, chainId: 'c1', kind: 'resolved', outcome: 'resolved' }),
    ]);
    const dashboard = await serve(store);
    const { status, body } = await getJson<DashboardSnapshot>(`${dashboard.url}/api/dashboard?since=1h`);
    expect(status).toBe(200);
    expect(body.summary).toMatchObject({ failures: 1, healAttempts: 1, healed: 1, resolution: { resolved: 1, rate: 1, p50Ms: 2 * MINUTE } });
    expect(body.classes.byClass).toEqual([{ failureClass: 'malformed-json', category: 'model-output', count: 1 }]);
    expect(body.frequency.bucketMs).toBe(MINUTE);
    expect(body.frequency.series.map((s) => [s.failureClass, s.counts.reduce((a, b) => a + b, 0)])).toEqual([['malformed-json', 1]]);
    expect(body.strategies).toEqual([expect.objectContaining({ strategy: 'reask', attempts: 1, successes: 1, successRate: 1 })]);
    expect(body.recent).toHaveLength(1);
    expect(body.recent[0]).toMatchObject({ workflowId: 'wf-42', resolution: 'resolved', url: 'http://localhost:8233/namespaces/default/workflows/wf-42/run-9/history' });
  });

  test('each figure also has its own endpoint', async () => {
    const store = stores.open();
    store.record([event({ at: Date.now() - MINUTE })]);
    const dashboard = await serve(store);
    for (const path of ['/api/summary', '/api/frequency?bucket=5m', '/api/classes', '/api/resolution', '/api/strategies?failureClass=refusal', '/api/recent?limit=5', '/api/health']) {
      expect({ path, status: (await fetch(dashboard.url + path)).status }).toEqual({ path, status: 200 });
    }
  });

  test('without an alert store or a missions source, /api/alerts and /api/missions say what is missing', async () => {
    const dashboard = await serve(stores.open());
    expect((await getJson(dashboard.url + '/api/alerts')).body).toEqual({ stored: false, active: [], cleared: [] });
    const { status, body } = await getJson<{ reachable: boolean; message: string; running: unknown[]; questions: unknown[] }>(dashboard.url + '/api/missions');
    expect(status).toBe(200);
    expect(body).toMatchObject({ reachable: false, running: [], questions: [] });
    expect(body.message).toMatch(/no Temporal client/);
  });

  test('the event stream carries the alerts of the window', async () => {
    const store = stores.open();
    const alerts = AlertStore.open(stores.path('alerts.db'));
    const now = Date.now();
    const stuck = { key: `stuck-mission:m1:${now}`, kind: 'stuck-mission' as const, subject: 'm1', severity: 'warning' as const, message: 'no progress', raisedAt: now };
    try {
      const dashboard = await startDashboard({ store, port: 0, alerts, pushEveryMs: 20 });
      running.push(dashboard);
      const opened = await readEvents(`${dashboard.url}/api/events?since=1h`, (name) => name === 'alerts');
      expect(opened.find((e) => e.name === 'alerts')?.data).toEqual({ stored: true, active: [], cleared: [] });
      // The alert is raised once the stream has sent its first (empty) alerts: only a push can bring it.
      const pushed = await readEvents(`${dashboard.url}/api/events?since=1h`, (name, data) => {
        if (name !== 'alerts') return false;
        if ((data as { active: unknown[] }).active.length === 0) alerts.record([stuck]);
        return (data as { active: unknown[] }).active.length === 1;
      });
      expect(pushed.filter((e) => e.name === 'alerts').map((e) => e.data)).toEqual([
        { stored: true, active: [], cleared: [] },
        { stored: true, active: [stuck], cleared: [] },
      ]);
    } finally {
      await Promise.all(running.map((d) => d.close()));
      running = [];
      alerts.close();
    }
  });

  test('bad parameters are 400s with a code and a fix', async () => {
    const dashboard = await serve(stores.open());
    for (const query of ['/api/summary?since=yesterday-ish', '/api/frequency?bucket=90s', '/api/recent?limit=-1', '/api/strategies?failureClass=toString']) {
      const { status, body } = await getJson<{ error: { code: string; fix: string } }>(dashboard.url + query);
      expect({ query, status, code: body.error.code }).toEqual({ query, status: 400, code: 'DASHBOARD_BAD_REQUEST' });
      expect(body.error.fix.length).toBeGreaterThan(0);
    }
    expect((await fetch(`${dashboard.url}/api/nope`)).status).toBe(404);
  });

  test('the page and chart.js are served from this machine', async () => {
    const dashboard = await serve(stores.open());
    const page = await (await fetch(`${dashboard.url}/`)).text();
    expect(page).toContain('<canvas id="chart-frequency"');
    expect(page).toContain('src="/vendor/chart.umd.js"');
    const chart = await fetch(`${dashboard.url}/vendor/chart.umd.js`);
    expect(chart.headers.get('content-type')).toContain('javascript');
    expect(await chart.text()).toMatch(/Chart\.js v4\./);
  });

  test('swarm health comes from the injected source', async () => {
    const source: HealthSource = async () => ({ activeAgents: 4, workers: 2, pollers: 6, tasks: { running: 4, completed: 12, failed: 1 } });
    const dashboard = await serve(stores.open(), { healthSource: source });
    const { body } = await getJson<{ live: Record<string, unknown> }>(`${dashboard.url}/api/health`);
    expect(body.live).toMatchObject({ reachable: true, activeAgents: 4, workers: 2, pollers: 6, tasks: { running: 4, completed: 12, failed: 1 } });
  });

  test('a write to the store is pushed to open event streams', async () => {
    const store = stores.open();
    const dashboard = await serve(store);
    const seen = await readEvents(`${dashboard.url}/api/events?since=1h`, (name, data) => {
      const snapshot = data as DashboardSnapshot;
      // The stream opens with the current (empty) snapshot; the write must arrive as a new one.
      if (name === 'dashboard' && snapshot.summary.failures === 0) store.record([event({ at: Date.now() - MINUTE, failureClass: 'refusal' })]);
      return name === 'dashboard' && snapshot.summary.failures === 1;
    });
    expect(seen[0]).toMatchObject({ name: 'dashboard', data: { summary: { failures: 0 } } });
    expect((seen[seen.length - 1].data as DashboardSnapshot).recent[0].failureClass).toBe('refusal');
  });

  test('a write by another process (another connection to the file) is noticed too', async () => {
    const writer = stores.open('shared.db');
    const reader = stores.open('shared.db', { readonly: true });
    const dashboard = await startDashboard({ store: reader, port: 0, pollMs: 50, pushEveryMs: 10 });
    running.push(dashboard);
    const seen = await readEvents(`${dashboard.url}/api/events`, (name, data) => {
      if (name !== 'dashboard') return false;
      const failures = (data as DashboardSnapshot).summary.failures;
      if (failures === 0) writer.record([event({ at: Date.now() - MINUTE })]);
      return failures === 1;
    });
    expect(seen.filter((e) => e.name === 'dashboard').length).toBe(2);
  });
});

describe('dashboard access', () => {
  test('binding beyond loopback without a token is refused', async () => {
    const error = await startDashboard({ store: stores.open(), host: '0.0.0.0', port: 0 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DreamError);
    expect((error as DreamError).code).toBe('DASHBOARD_TOKEN_REQUIRED');
  });

  test('with a token, the API needs it (header or query); the page itself loads', async () => {
    const dashboard = await serve(stores.open(), { token: 's3cret' });
    expect((await fetch(`${dashboard.url}/api/summary`)).status).toBe(401);
    expect((await fetch(`${dashboard.url}/api/summary`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${dashboard.url}/api/summary`, { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await fetch(`${dashboard.url}/api/summary?token=s3cret`)).status).toBe(200);
    expect((await fetch(`${dashboard.url}/`)).status).toBe(200);
  });

  test('without a token, requests naming a non-loopback host are refused (DNS rebinding)', async () => {
    const dashboard = await serve(stores.open());
    expect(await getWithHost(`${dashboard.url}/api/summary`, 'evil.example:7400')).toBe(403);
    expect(await getWithHost(`${dashboard.url}/api/summary`, 'localhost:7400')).toBe(200);
  });

  test('the default address is loopback port 7400', async () => {
    const store = stores.open();
    const dashboard = await startDashboard({ store }).catch((err: unknown) => err);
    if (dashboard instanceof DreamError) {
      // Someone else holds 7400 on this machine: the error must name the address and the fix.
      expect(dashboard.code).toBe('DASHBOARD_LISTEN');
      expect(dashboard.message).toContain('127.0.0.1:7400');
      return;
    }
    running.push(dashboard as RunningDashboard);
    expect((dashboard as RunningDashboard).url).toBe('http://127.0.0.1:7400');
  });
});
