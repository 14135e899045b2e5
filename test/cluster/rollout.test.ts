import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Cluster } from '../../src/temporal/cluster-script';
import { describeVersion } from '../../src/temporal/deployment';
import { stateQuery } from '../../src/contracts/agent-task';
import { ensureNamespace, ensureSearchAttributes } from '../../src/temporal/setup';
import { bundleCode } from '../../scripts/bundle-workflows';
import { bundleFile } from '../../workers/paths';
import { CLUSTER_START_TIMEOUT_MS, missionFile, startTestCluster } from '../helpers/cluster';
import { childWorkers, runDreamos, spawnDreamos } from '../helpers/processes';
import { ARTIFACTS } from '../helpers/paths';

// Worker Versioning on the cluster: build v1 serves a mission, build v2 is rolled out while it
// runs; the v1 runs stay pinned to v1 and finish there, new runs start on v2, v1's worker is
// stopped and its version removed once drained. A build whose workflow code does not replay the
// recorded runs is refused before anything changes.
const DEPLOYMENT = 'dreamos';
let cluster: Cluster;
let client: Client;
let env: Record<string, string>;
const workers = childWorkers();
const build = (buildId: string) => ({ ...env, DREAMOS_DEPLOYMENT_NAME: DEPLOYMENT, DREAMOS_BUILD_ID: buildId });
const version = (buildId: string) => ({ deploymentName: DEPLOYMENT, buildId });

/** The build ids that completed the run's workflow tasks, in order, without repeats. */
async function buildsOf(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const ids = (history.events ?? []).map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId).filter((id): id is string => Boolean(id));
  return ids.filter((id, i) => ids[i - 1] !== id);
}

/** Waits until the agent task has completed `step` steps (it may not have been started yet). */
async function untilStep(workflowId: string, step: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await client.workflow.getHandle(workflowId).query(stateQuery).catch(() => undefined);
    if (state && state.step >= step) return;
    if (Date.now() > deadline) throw new Error(`${workflowId} did not complete ${step} step(s) within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  cluster = await startTestCluster('rollout');
  env = { TEMPORAL_ADDRESS: cluster.address, DREAMOS_DASHBOARD_PORT: '0' };
  client = new Client({ connection: await Connection.connect({ address: cluster.address }) });
  await ensureNamespace(client.connection, 'default');
  await ensureSearchAttributes(client.connection, 'default');
  const nexus = workers.start('nexus', { ...env, DREAMOS_HOME: fs.mkdtempSync(`${ARTIFACTS}/rollout-`) });
  await nexus.waitForText(/serving nexus/, 60_000);
  // Missions supervise on the control queue; its worker stays unversioned here, so the rollout
  // concerns the agents queue alone (the mission's agent tasks are what is pinned).
  const control = workers.start('control', env);
  await control.waitForText(/serving control/, 60_000);
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  await workers.stopAll();
  await client?.connection.close();
  await cluster?.destroy();
});

test('a rollout while tasks run: pinned runs finish on the old build, new runs start on the new one, the old workers are removed after draining', async () => {
  const v1 = workers.start('agents', build('v1'));
  await v1.waitForText(/serving agents .*build dreamos\/v1/, 60_000);
  const first = await runDreamos(['deploy', '--deployment', DEPLOYMENT, '--build-id', 'v1', '--wait-workers', '60'], env);
  expect(first.output).toContain('current version: dreamos/v1');
  expect(first.code).toBe(0);

  const early = `early-${Date.now().toString(36)}`;
  const earlyMission = spawnDreamos(['submit', missionFile(early, { steps: 6, latencyMs: 800, tasks: [{ taskId: 'research', role: 'researcher', outputSchema: 'research' }] }), '--wait'], env);
  await untilStep(`${early}.research`, 1, 60_000);

  const v2 = workers.start('agents', build('v2'));
  await v2.waitForText(/serving agents .*build dreamos\/v2/, 60_000);
  const rollout = spawnDreamos(['deploy', '--build-id', 'v2', '--replay-last', '5', '--stop-old', `kill -TERM ${v1.child.pid}`, '--wait-workers', '90'], { ...env, DREAMOS_DEPLOYMENT_NAME: DEPLOYMENT });
  await rollout.waitForText(/current version: dreamos\/v2/, 120_000);

  const late = `late-${Date.now().toString(36)}`;
  const lateMission = await runDreamos(['submit', missionFile(late, { steps: 1, latencyMs: 0, tasks: [{ taskId: 'research', role: 'researcher', outputSchema: 'research' }] }), '--wait'], env);
  expect(lateMission.code).toBe(0);
  expect(await buildsOf(`${late}.research`)).toEqual(['v2']);
  // The old build is still serving: its run is pinned to it, unfinished, and v1's worker runs.
  expect(v1.child.exitCode).toBeNull();

  expect(await earlyMission.exited).toBe(0);
  expect(await buildsOf(`${early}.research`)).toEqual(['v1']);
  expect(await rollout.exited).toBe(0);
  expect(rollout.output()).toMatch(/dreamos\/v1: draining[\s\S]*dreamos\/v1: drained[\s\S]*dreamos\/v1 removed/);
  expect(await v1.exited).not.toBeNull();
  expect(await describeVersion(client.connection, 'default', version('v1'))).toBeUndefined();
  expect((await describeVersion(client.connection, 'default', version('v2')))?.taskQueues).toContain('agents');
}, 300_000);

test('dreamos replay passes on the runs of the previous build; an incompatible build fails it and is refused by the rollout', async () => {
  const replay = await runDreamos(['replay', '--last', '5'], env);
  expect(replay.output).toMatch(/✔ agentTask early-/);
  expect(replay.output).toMatch(/(\d+) of \1 replayed deterministically/);
  expect(replay.code).toBe(0);

  // A build whose agents bundle holds the deliberately non-deterministic agentTask.
  const incompatibleBuild = fs.mkdtempSync(path.join(ARTIFACTS, 'rollout-incompatible-'));
  const incompatible = bundleFile(incompatibleBuild, 'agents');
  fs.writeFileSync(incompatible, await bundleCode(require.resolve('../replay/fixtures/nondeterministic-workflows')));
  const failing = await runDreamos(['replay', '--last', '5', '--bundle', incompatible], env);
  expect(failing.code).toBe(1);
  expect(failing.output).toMatch(/✘ agentTask \S+ run \S+: non-deterministic/);

  const v3 = workers.start('agents', { ...build('v3'), DREAMOS_WORKFLOW_BUNDLES: incompatibleBuild });
  await v3.waitForText(/serving agents .*build dreamos\/v3/, 60_000);
  const refused = await runDreamos(['deploy', '--deployment', DEPLOYMENT, '--build-id', 'v3', '--bundle', incompatible, '--replay-last', '5'], env);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain('error [DEPLOY_REPLAY_FAILED]: Rollout refused');
  const described = await client.connection.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName: DEPLOYMENT });
  expect(described.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId).toBe('v2');
}, 240_000);
