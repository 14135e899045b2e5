import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Cluster } from '../../src/temporal/cluster-script';
import { stateQuery } from '../../src/contracts/agent-task';
import { activityEvents } from '../helpers/history';
import { CLUSTER_START_TIMEOUT_MS, missionFile, startTestCluster } from '../helpers/cluster';
import { childWorkers, runDreamos, spawnDreamos } from '../helpers/processes';
import { ARTIFACTS } from '../helpers/paths';

// A multi-process Temporal cluster (frontend, history, matching, worker) on PostgreSQL from
// temporal-docker/cluster/cluster.sh, a namespace other than `default`, and Dream.OS workers in
// separate processes, the way a swarm outgrows one machine.
const NAMESPACE = 'swarm';
const RESEARCH = { taskId: 'research', role: 'researcher', outputSchema: 'research' };
let cluster: Cluster;
let client: Client;
let env: Record<string, string>;
const workers = childWorkers();

beforeAll(async () => {
  cluster = await startTestCluster('main');
  env = { TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: NAMESPACE, DREAMOS_DASHBOARD_PORT: '0' };
  client = new Client({ connection: await Connection.connect({ address: cluster.address }), namespace: NAMESPACE });
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  await workers.stopAll();
  await client?.connection.close();
  await cluster?.destroy();
});

test('the cluster runs its four services as separate processes and serves on loopback', async () => {
  const pids = (['frontend', 'history', 'matching', 'worker'] as const).map((s) => cluster.pidOf(s));
  expect(pids.every((pid) => pid !== undefined && pid > 0)).toBe(true);
  expect(new Set(pids).size).toBe(4);
  for (const pid of pids) expect(() => process.kill(pid!, 0)).not.toThrow();
  const info = await client.connection.workflowService.getSystemInfo({});
  expect(info.serverVersion).toBe('1.32.2');
});

test('setup namespace and search-attributes create what is missing and are idempotent', async () => {
  const first = await runDreamos(['setup', 'namespace'], env);
  expect(first.code).toBe(0);
  expect(first.output).toContain(`namespace ${NAMESPACE}: created`);
  const again = await runDreamos(['setup', 'namespace'], env);
  expect(again.code).toBe(0);
  expect(again.output).toContain(`namespace ${NAMESPACE}: already there`);

  const attributes = await runDreamos(['setup', 'search-attributes'], env);
  expect(attributes.code).toBe(0);
  expect(attributes.output).toMatch(/DreamMission \(KEYWORD\): registered/);
  const attributesAgain = await runDreamos(['setup', 'search-attributes'], env);
  expect(attributesAgain.code).toBe(0);
  expect(attributesAgain.output).toMatch(/DreamMission \(KEYWORD\): already registered/);
  expect(attributesAgain.output).not.toMatch(/: registered/);

  const listed = await client.connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
  expect(Object.keys(listed.customAttributes)).toEqual(expect.arrayContaining(['DreamRole', 'DreamMission', 'DreamStatus', 'DreamHealAttempts', 'DreamEscalated', 'DreamTokens']));
}, 120_000);

test('a mission completes with the nexus, agents and control workers in separate processes and a visibility query lists it by DreamMission and DreamRole', async () => {
  const home = fs.mkdtempSync(`${ARTIFACTS}/cluster-nexus-`);
  const nexus = workers.start('nexus', { ...env, DREAMOS_HOME: home });
  const agents = workers.start('agents', env);
  await nexus.waitForText(/serving nexus/, 60_000);
  const control = workers.start('control', env);
  await agents.waitForText(/serving agents/, 60_000);
  await control.waitForText(/serving control/, 60_000);
  expect(new Set([nexus.child.pid, agents.child.pid, control.child.pid]).size).toBe(3);

  const missionId = `cluster-${Date.now().toString(36)}`;
  const file = missionFile(missionId, { steps: 2, latencyMs: 0, tasks: [RESEARCH, { taskId: 'analysis', role: 'analyst', outputSchema: 'analysis' }] });
  const submitted = await runDreamos(['submit', file, '--wait'], env);
  expect(submitted.output).toMatch(/✔ .*research: completed 2 step/);
  expect(submitted.code).toBe(0);
  // Links to runs name the configured namespace, not `default`.
  expect(submitted.output).toContain(`/namespaces/${NAMESPACE}/workflows/`);

  const query = `DreamMission = '${missionId}' AND DreamRole = 'researcher'`;
  const deadline = Date.now() + 15_000;
  let ids: string[] = [];
  while (ids.length === 0 && Date.now() < deadline) {
    ids = [];
    for await (const run of client.workflow.list({ query })) ids.push(run.workflowId);
    if (ids.length === 0) await new Promise((r) => setTimeout(r, 500));
  }
  expect(ids).toEqual([`${missionId}.research`]);
  expect(fs.existsSync(`${home}/memory.db`)).toBe(true);
}, 180_000);

test('the history service killed and restarted mid-mission: the mission completes and no finished step runs twice', async () => {
  const missionId = `cluster-restart-${Date.now().toString(36)}`;
  const file = missionFile(missionId, { steps: 5, latencyMs: 700, tasks: [RESEARCH, { taskId: 'strategy', role: 'strategist', outputSchema: 'strategy' }] });
  const submit = spawnDreamos(['submit', file, '--wait'], env);
  // Mid-mission: the research task has completed two of its five steps.
  const research = client.workflow.getHandle(`${missionId}.research`);
  const deadline = Date.now() + 90_000;
  while (((await research.query(stateQuery).catch(() => undefined))?.step ?? 0) < 2) {
    if (Date.now() > deadline) throw new Error('the research task did not reach step 3 in 90 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  const before = cluster.pidOf('history');
  await cluster.run('kill-service', 'history');
  expect(() => process.kill(before!, 0)).toThrow();
  await new Promise((r) => setTimeout(r, 2_000));
  await cluster.run('start-service', 'history');
  expect(cluster.pidOf('history')).not.toBe(before);

  expect(await submit.exited).toBe(0);
  expect(submit.output()).toMatch(/✔ .*research: completed 5 step/);
  expect(submit.output()).toMatch(/✔ .*strategy: completed 5 step/);
  const history = await client.workflow.getHandle(`${missionId}.research`).fetchHistory();
  expect(activityEvents(history, 'promptModel').scheduled).toHaveLength(5);
}, 240_000);
