import path from 'node:path';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ProcessBackend } from '../../src/scaling/process';
import { startScaler } from '../../src/scaling/client';
import { DEFAULT_POLICY } from '../../src/scaling/policy';
import { scalerStateQuery, scalerWorkflowId, setLimitsUpdate } from '../../src/contracts/scaler';
import { runDreamos } from '../helpers/processes';
import { startTestWorkers, testClient, testEnv, TestWorkers } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

/** `dreamos swarm …` against a real scaler on the process backend (bad scaler inputs: test/workflows/workflow-input.test.ts). */
let client: Client;
let workers: TestWorkers;
let backend: ProcessBackend;
let home: string;
const swarmId = `cli-${Date.now().toString(36)}`;
const profile = { name: 'std', taskQueue: `agents-${swarmId}`, slots: { activities: 2, workflowTasks: 4 }, resources: { cpus: 0.5, memoryMb: 256 } };

beforeAll(async () => {
  Object.assign(process.env, { DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_WORKFLOW_BUNDLES: testEnv().bundleDir });
  client = await testClient();
  workers = await startTestWorkers({ queues: ['nexus', 'control'], env: { TEMPORAL_ADDRESS: testEnv().address, DREAMOS_SCALING_BACKEND: 'process' } });
  home = path.dirname(workers.memoryFile);
  backend = new ProcessBackend({ stateDir: home });
}, 60_000);

afterAll(async () => {
  await client.workflow.getHandle(scalerWorkflowId(swarmId)).terminate('test over').catch(() => undefined);
  for (const w of await backend.list(swarmId)) await backend.remove(w.name);
  await workers.stop();
  await client.connection.close();
}, 60_000);

const swarm = (args: string[]) => runDreamos(['swarm', ...args, ...(args[0] === 'logs' ? [] : ['--swarm', swarmId])], { DREAMOS_SCALING_BACKEND: 'process', DREAMOS_HOME: home });

test('every swarm command has --help, and a missing scaler is a clear error', async () => {
  const help = await runDreamos(['swarm', '--help']);
  expect(help.code).toBe(0);
  for (const command of ['start', 'status', 'scale', 'drain', 'logs', 'build-image']) expect(help.output).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  const scale = await runDreamos(['swarm', 'scale', '--help']);
  expect(scale.output).toMatch(/Usage: dreamos swarm scale[\s\S]*--min <n>[\s\S]*--max <n>/);
  const missing = await runDreamos(['swarm', 'status', '--swarm', 'no-such-swarm']);
  expect(missing.code).toBe(1);
  expect(missing.output).toContain('error [SCALER_NOT_RUNNING]: No scaler is running for swarm no-such-swarm.');
});

test('status, scale, drain and logs of a running swarm', async () => {
  await startScaler(client, { swarmId, profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers: 1, maxWorkers: 3, downCooldownMs: 0 } }], intervalMs: 1_000, shutdownGraceSeconds: 3 });
  const first = await waitFor('one running worker', async () => (await backend.list(swarmId)).find((w) => w.state === 'running'));

  // The status is the scaler's last observation: it sees the worker running at its next tick.
  const status = await waitFor('the scaler reporting the worker running', async () => {
    const answer = await swarm(['status']);
    return answer.output.includes(`${first.name}  std  running`) ? answer : undefined;
  });
  expect(status.code).toBe(0);
  expect(status.output).toMatch(/std: 1 live → 1 desired/);

  const refused = await swarm(['scale', '--min', '4']);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain('minWorkers: 4 exceeds maxWorkers 3');

  const scaled = await swarm(['scale', '--min', '2']);
  expect(scaled.output).toContain('std: 2..3 workers');
  await waitFor('two workers', async () => ((await backend.list(swarmId)).length === 2 ? true : undefined));

  const logs = await swarm(['logs', first.name, '--tail', '50']);
  expect(logs.output).toContain(`serving agents`);

  const drained = await swarm(['drain', first.name]);
  expect(drained.output).toContain(`draining ${first.name}`);
  const after = await waitFor('the drained worker dead', async () => {
    const list = await backend.list(swarmId);
    return list.length === 2 && !list.some((w) => w.name === first.name) ? list : undefined;
  });
  expect(after.map((w) => w.seq)).toEqual([2, 3]);

  const warm = await swarm(['scale', '--standby', '1']);
  expect(warm.output).toContain('std: 2..3 workers, 1 standby');
  await waitFor('a booted standby worker', async () => ((await backend.list(swarmId)).some((w) => w.standby && w.state === 'running') ? true : undefined), 60_000);
  expect((await swarm(['status'])).output).toMatch(/std {2}running {2}standby \(not polling\)/);
  // Another client's update out of range is refused by the scaler's validator, naming the field; the limits stay.
  const scaler = client.workflow.getHandle(scalerWorkflowId(swarmId));
  const refusedUpdate = await scaler.executeUpdate(setLimitsUpdate, { args: [{ standbyWorkers: 101 }] }).then(() => undefined, (err: Error) => err);
  expect(refusedUpdate).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refusedUpdate as WorkflowUpdateFailedError).cause?.message).toBe('standbyWorkers: must be an integer from 0 to 100');
  expect((await scaler.query(scalerStateQuery)).limits.std).toEqual({ minWorkers: 2, maxWorkers: 3, standbyWorkers: 1 });

  // Limits 0..0 leave no room for a standby either.
  const all = await swarm(['drain']);
  expect(all.output).toContain('limits 0..0');
  await waitFor('no worker left', async () => ((await backend.list(swarmId)).length === 0 ? true : undefined));
}, 120_000);
