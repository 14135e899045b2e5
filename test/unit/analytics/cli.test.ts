import net from 'node:net';
import path from 'node:path';
import { AlertStore } from '../../../src/analytics/alerts';
import { analyticsCommand, analyticsDbFile } from '../../../src/cli/analytics';
import { AnalyticsReport } from '../../../src/analytics/report';
import { DreamError } from '../../../src/errors';
import { captureStdout } from '../../helpers/stdout';
import { event, MINUTE, useStores } from './helpers';

const stores = useStores();

/** Runs `dreamos analytics <args>` in this process and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  return captureStdout(() => analyticsCommand().parseAsync(args, { from: 'user' }));
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function seededStore() {
  const store = stores.open();
  const now = Date.now();
  store.record([
    event({ at: now - 30 * MINUTE, chainId: 'c1', workflowId: 'wf-cli', runId: 'run-cli', message: 'Unexpected end of JSON input' }),
    event({ at: now - 29 * MINUTE, chainId: 'c1', kind: 'heal-attempt', strategy: 'local-repair', outcome: 'healed' }),
    event({ at: now - 29 * MINUTE, chainId: 'c1', kind: 'resolved', outcome: 'resolved' }),
    event({ at: now - 3 * 60 * MINUTE, chainId: 'c2', failureClass: 'model-timeout', kind: 'activity-failure', tokens: 1_234 }),
  ]);
  return store;
}

describe('dreamos analytics report', () => {
  test('prints the figures of the window in the terminal', async () => {
    const store = seededStore();
    const text = await run('--db', store.file, 'report', '--since', '1h');
    expect(text).toMatch(/Failure analytics · last 1 h 00 m/);
    expect(text).toMatch(/Failures\s+1 \(activity 0 · validation 1 · workflow 0\)/);
    expect(text).toMatch(/Heal attempts\s+1, healed 1 \(100\.0%\)/);
    expect(text).toMatch(/Resolution rate\s+100\.0% \(1 resolved · 0 abandoned · 0 open\)/);
    expect(text).toMatch(/Time to resolution\s+p50 1 m 00 s · p95 1 m 00 s/);
    expect(text).toMatch(/malformed-json\s+model-output\s+1\s+100\.0%/);
    expect(text).toMatch(/local-repair · malformed-json\s+1\/1\s+100\.0%/);
    expect(text).toContain('/namespaces/default/workflows/wf-cli/run-cli');
    expect(text).not.toContain('model-timeout');
  });

  test('--json prints the same figures as the dashboard, parseable', async () => {
    const store = seededStore();
    const report = JSON.parse(await run('report', '--since', '24h', '--json', '--db', store.file)) as AnalyticsReport;
    expect(report.summary).toMatchObject({ failures: 2, tokens: 1_234, resolution: { resolved: 1, open: 1 } });
    expect(report.classes.map((c) => c.failureClass).sort()).toEqual(['malformed-json', 'model-timeout']);
    expect(report.recent).toHaveLength(2);
  });

  test('--temporal with no server there still prints the database figures, and says why tokens by mission are missing', async () => {
    const store = seededStore();
    const address = `127.0.0.1:${await closedPort()}`;
    const text = await run('--db', store.file, 'report', '--since', '1h', '--temporal', address);
    expect(text).toMatch(/Failures\s+1 \(activity 0/);
    expect(text).toContain(`Tokens by mission (Temporal at ${address})`);
    expect(text).toContain(`Unavailable: Cannot reach the Temporal server at ${address}`);

    const report = JSON.parse(await run('--db', store.file, 'report', '--json', '--temporal', address)) as AnalyticsReport & { missionTokens: unknown };
    expect(report.summary.failures).toBe(2);
    expect(report.missionTokens).toMatchObject({ temporal: address, reachable: false, message: expect.stringContaining('Cannot reach') });
  });

  test('lists the control tower alerts from alerts.db beside the database: active, then cleared in the window', async () => {
    const store = seededStore();
    expect(await run('--db', store.file, 'report', '--since', '1h')).toContain('(no alerts.db beside the database: the nexus worker creates it)');
    const now = Date.now();
    const alerts = AlertStore.open(path.join(path.dirname(store.file), 'alerts.db'));
    const stuck = { key: `stuck-mission:m9:${now - 20 * MINUTE}`, kind: 'stuck-mission' as const, subject: 'm9', severity: 'critical' as const, message: 'm9 made no progress for 15 min', raisedAt: now - 20 * MINUTE };
    const queue = { key: `queue-without-pollers:agents/activity:${now - 50 * MINUTE}`, kind: 'queue-without-pollers' as const, subject: 'agents/activity', severity: 'warning' as const, message: 'backlog and no pollers', raisedAt: now - 50 * MINUTE, clearedAt: now - 40 * MINUTE };
    const old = { ...queue, key: 'queue-without-pollers:nexus/activity:1', subject: 'nexus/activity', raisedAt: now - 5 * 60 * MINUTE, clearedAt: now - 4 * 60 * MINUTE };
    alerts.record([stuck, queue, old]);
    alerts.close();

    const text = await run('--db', store.file, 'report', '--since', '1h');
    expect(text).toMatch(/Swarm alerts \(control tower; active, then cleared in the window\)\n.*critical\s+stuck-mission\s+m9\s+m9 made no progress for 15 min\n.*cleared \S+\s+queue-without-pollers\s+agents\/activity\s+backlog and no pollers/);
    expect(text).not.toContain('nexus/activity');
    const report = JSON.parse(await run('--db', store.file, 'report', '--since', '1h', '--json')) as { alerts: unknown };
    expect(report.alerts).toEqual({ stored: true, active: [stuck], cleared: [queue] });
  });

  test('a bad --since is a DreamError with a fix', async () => {
    const store = seededStore();
    const error = await run('--db', store.file, 'report', '--since', 'a while').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DreamError);
    expect(error).toMatchObject({ code: 'CLI_INVALID_OPTION' });
    expect((error as DreamError).fix).toContain('--since 24h');
  });

  test('a missing database names the file and how to get one', async () => {
    const error = await run('--db', stores.path('none.db'), 'report').catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'ANALYTICS_STORE_MISSING' });
    expect((error as DreamError).message).toContain('none.db');
  });

  test('the default database is analytics.db under DREAMOS_HOME', () => {
    const home = process.env.DREAMOS_HOME;
    process.env.DREAMOS_HOME = stores.path('home');
    try {
      expect(analyticsDbFile(undefined)).toBe(stores.path('home/analytics.db'));
    } finally {
      if (home === undefined) delete process.env.DREAMOS_HOME;
      else process.env.DREAMOS_HOME = home;
    }
  });

  test.each([
    ['report', ['--since <duration>', '--json', '--temporal [address]']],
    ['dashboard', ['--host <host>', '--port <port>', '--token <token>']],
  ])('%s --help describes its options', async (name, options) => {
    let help = '';
    const command = analyticsCommand();
    command.commands.forEach((c) => c.configureOutput({ writeOut: (text) => (help += text) }));
    const exit = await command.parseAsync([name, '--help'], { from: 'user' }).catch((err: unknown) => err);
    expect(exit).toMatchObject({ exitCode: 0 });
    expect(help).toContain(`Usage: analytics ${name} [options]`);
    for (const option of options) expect(help).toContain(option);
  });
});
