import path from 'node:path';
import { Client, WorkflowHandle } from '@temporalio/client';
import { startAgentTask } from '../../src/missions/client';
import { chooseBackend } from '../../src/scaling/backend';
import type { WorkerBackend, WorkerInfo } from '../../src/scaling/backend';
import { ScalerHandle, startScaler } from '../../src/scaling/client';
import { ScalingEvent, ScalingEventStore } from '../../src/scaling/events';
import { DEFAULT_POLICY, ScalingPolicy } from '../../src/scaling/policy';
import { WorkerProfile } from '../../src/scaling/profiles';
import { loadConfig } from '../../src/config';
import { ScalerInput, scalerStateQuery } from '../../src/contracts/scaler';
import { startTestWorkers, taskSpec, testClient, testEnv, TestWorkers } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

/**
 * The scaler's behaviours against a real backend (docker or process), real worker containers or
 * processes and the shared Temporal server. Each test has its own swarm id and task queue, so
 * its workers serve only its tasks; every worker of the swarm is removed after the test.
 */
export interface BackendUnderTest {
  kind: 'docker' | 'process';
  /** Environment for the control worker (e.g. the image to run). */
  env(): Record<string, string>;
  /** Kills a worker the hard way (SIGKILL), as a crash would. */
  kill(worker: WorkerInfo): Promise<void>;
}

/** Model latency of every call: long enough that a kill lands mid-call and a burst queues. */
const LATENCY_MS = 1_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function scalingBehaviours(backendUnderTest: BackendUnderTest): void {
  let client: Client;
  let workers: TestWorkers;
  let backend: WorkerBackend;
  let events: ScalingEventStore;
  const swarms: string[] = [];
  const scalers: ScalerHandle[] = [];

  beforeAll(async () => {
    // Forwarded by the control worker to the workers it starts (activities/scaling.ts).
    Object.assign(process.env, { DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_SIM_LATENCY_MS: String(LATENCY_MS), DREAMOS_WORKFLOW_BUNDLES: testEnv().bundleDir, DREAMOS_LOG_LEVEL: 'info' });
    client = await testClient();
    workers = await startTestWorkers({
      queues: ['nexus', 'control'],
      env: { TEMPORAL_ADDRESS: testEnv().address, DREAMOS_SCALING_BACKEND: backendUnderTest.kind, ...backendUnderTest.env() },
    });
    const config = loadConfig({ DREAMOS_SCALING_BACKEND: backendUnderTest.kind, DREAMOS_HOME: path.dirname(workers.memoryFile), ...backendUnderTest.env() });
    backend = (await chooseBackend(config)).backend;
    events = ScalingEventStore.open(workers.analyticsFile.replace(/analytics\.db$/, 'scaling.db'));
  }, 60_000);

  afterAll(async () => {
    for (const handle of scalers) await handle.terminate('test over').catch(() => undefined);
    for (const swarmId of swarms) for (const w of await backend.list(swarmId)) await backend.remove(w.name);
    events?.close();
    await workers?.stop();
    await client?.connection.close();
  }, 60_000);

  function swarm(label: string): { swarmId: string; profile: WorkerProfile } {
    const swarmId = `t${backendUnderTest.kind[0]}-${label}-${Date.now().toString(36)}`;
    swarms.push(swarmId);
    return { swarmId, profile: { name: 'std', taskQueue: `agents-${swarmId}`, slots: { activities: 2, workflowTasks: 4 }, resources: { cpus: 0.5, memoryMb: 256 } } };
  }

  async function start(swarmId: string, profile: WorkerProfile, policy: Partial<ScalingPolicy>, extra: Partial<ScalerInput> = {}) {
    const handle = await startScaler(client, {
      swarmId,
      profiles: [{ profile, policy: { ...DEFAULT_POLICY, upCooldownMs: 0, downCooldownMs: 0, idleWindowMs: 5_000, maxStepUp: 4, maxStepDown: 4, ...policy } }],
      intervalMs: 1_000,
      shutdownGraceSeconds: 5,
      ...extra,
    });
    scalers.push(handle);
    return handle;
  }

  const polling = async (profile: WorkerProfile) => {
    const answer = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: profile.taskQueue, kind: 1 }, taskQueueType: 2 });
    return new Set((answer.pollers ?? []).map((p) => p.identity ?? ''));
  };

  const eventsOf = (swarmId: string): ScalingEvent[] => events.list({ since: 0, swarmId });

  /** Who ran each model call of a task (memory calls run on the in-process nexus worker). */
  const identitiesOf = async (handle: WorkflowHandle): Promise<string[]> => {
    const events = (await handle.fetchHistory()).events ?? [];
    const prompts = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'promptModel').map((e) => String(e.eventId)));
    return events
      .filter((e) => prompts.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '')))
      .map((e) => e.activityTaskStartedEventAttributes?.identity ?? '');
  };

  test('a burst of tasks starts workers that poll and complete them; after the idle window they are drained and removed', async () => {
    const { swarmId, profile } = swarm('burst');
    // Few ticks per run: the test also crosses continue-as-new.
    await start(swarmId, profile, { minWorkers: 0, maxWorkers: 3 }, { ticksPerRun: 4 });
    const handles = await Promise.all(Array.from({ length: 12 }, () => startAgentTask(client, taskSpec({ missionId: swarmId }), { taskQueue: profile.taskQueue })));
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results).toHaveLength(12);

    const ranOn = new Set((await Promise.all(handles.map(identitiesOf))).flat());
    expect([...ranOn].every((id) => id.startsWith(`${swarmId}-std-`))).toBe(true);
    expect(ranOn.size).toBeGreaterThanOrEqual(2);
    const started = eventsOf(swarmId).flatMap((e) => e.started);
    expect(started.length).toBeGreaterThanOrEqual(2);

    // Idle: every worker drained (SIGTERM, then removed) once the 5 s window has passed.
    await waitFor('every worker released', async () => ((await backend.list(swarmId)).length === 0 ? true : undefined), 60_000);
    const released = eventsOf(swarmId).filter((e) => e.reason === 'idle-release');
    expect(released.flatMap((e) => e.drained).sort()).toEqual([...new Set(started)].sort());
    await waitFor('the decision to reach 0', async () => (eventsOf(swarmId).at(-1)?.actual === 0 ? true : undefined), 10_000);
    expect(eventsOf(swarmId).at(-1)).toMatchObject({ desired: 0, actual: 0 });
  }, 180_000);

  test('a worker SIGKILLed mid-task: its task finishes on another worker and the worker is replaced', async () => {
    const { swarmId, profile } = swarm('kill');
    await start(swarmId, profile, { minWorkers: 2, maxWorkers: 2 });
    const live = await waitFor('two polling workers', async () => {
      const ids = await polling(profile);
      const list = await backend.list(swarmId);
      return list.length === 2 && list.every((w) => ids.has(`${w.name}/agents`)) ? list : undefined;
    }, 60_000);

    const spec = taskSpec({ missionId: swarmId, model: { sim: { latencyMs: 6_000 } } });
    const handle = await startAgentTask(client, spec, { taskQueue: profile.taskQueue });
    const victimIdentity = await waitFor('the model call to start', async () => {
      const { raw } = await handle.describe();
      return raw.pendingActivities?.find((a) => a.lastWorkerIdentity)?.lastWorkerIdentity ?? undefined;
    }, 30_000);
    const victim = live.find((w) => `${w.name}/agents` === victimIdentity)!;
    await backendUnderTest.kill(victim);

    const result = await handle.result();
    expect(result.outputs).toHaveLength(1);
    const identities = await identitiesOf(handle);
    expect(identities.at(-1)).not.toBe(victimIdentity);

    const after = await waitFor('a replacement worker', async () => {
      const list = await backend.list(swarmId);
      return list.length === 2 && !list.some((w) => w.name === victim.name) ? list : undefined;
    }, 60_000);
    expect(after.map((w) => w.seq).sort()).toEqual([...live.map((w) => w.seq).filter((s) => s !== victim.seq), 3].sort());
    expect(eventsOf(swarmId).flatMap((e) => e.dead)).toEqual([`${victim.name} (exited)`]);
  }, 180_000);

  test('a restarted scaler adopts the running workers and starts no duplicates', async () => {
    const { swarmId, profile } = swarm('adopt');
    const first = await start(swarmId, profile, { minWorkers: 2, maxWorkers: 2 });
    const before = await waitFor('two workers', async () => {
      const list = await backend.list(swarmId);
      return list.length === 2 ? list : undefined;
    }, 60_000);
    // Its decision recorded first: a termination (unlike continue-as-new) drops pending activities.
    await waitFor('the start recorded', async () => (eventsOf(swarmId).flatMap((e) => e.started).length === 2 ? true : undefined), 10_000);
    await first.terminate('scaler restart');

    const second = await start(swarmId, profile, { minWorkers: 2, maxWorkers: 2 });
    await waitFor('three ticks of the new run', async () => ((await second.query(scalerStateQuery)).tick >= 3 ? true : undefined), 30_000);

    expect((await backend.list(swarmId)).map((w) => w.name).sort()).toEqual(before.map((w) => w.name).sort());
    const adopting = eventsOf(swarmId).filter((e) => e.adopted.length > 0);
    expect(adopting.map((e) => e.adopted.sort())).toEqual([before.map((w) => w.name).sort()]);
    // Started only by the first run: the two workers, nothing since.
    expect(eventsOf(swarmId).flatMap((e) => e.started).sort()).toEqual(before.map((w) => w.name).sort());
  }, 120_000);
}
