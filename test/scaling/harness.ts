import path from 'node:path';
import { Client, WorkflowHandle } from '@temporalio/client';
import { chooseBackend } from '../../src/scaling/backend';
import type { WorkerBackend, WorkerInfo } from '../../src/scaling/backend';
import { ScalerHandle, startScaler } from '../../src/scaling/client';
import { ScalingEvent, ScalingEventStore } from '../../src/scaling/events';
import { DEFAULT_POLICY, ScalingPolicy } from '../../src/scaling/policy';
import { WorkerProfile } from '../../src/scaling/profiles';
import { loadConfig } from '../../src/config';
import { ScalerInput } from '../../src/contracts/scaler';
import { startTestWorkers, testClient, testEnv, TestWorkers } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

/**
 * What the scaler's behaviour tests run against: a real backend (docker or process), real worker
 * containers or processes and the shared Temporal server. Each test has its own swarm id and
 * task queue, so its workers serve only its tasks; every worker of the swarm is removed after.
 */
export interface BackendUnderTest {
  kind: 'docker' | 'process';
  /** Environment for the control worker (e.g. the image to run). */
  env(): Record<string, string>;
  /** Kills a worker the hard way (SIGKILL), as a crash would. */
  kill(worker: WorkerInfo): Promise<void>;
  /** Ways to freeze a worker (SIGSTOP, `docker pause`): it stays alive but does nothing, its heartbeat included. */
  freezers: Record<string, (worker: WorkerInfo) => Promise<void>>;
  /** The memory limit the backend gave the worker, MB. */
  memoryLimitMb(worker: WorkerInfo): Promise<number>;
}

/** Model latency of every call: long enough that a kill lands mid-call and a burst queues. */
export const LATENCY_MS = 1_500;

export type ProfilePolicy = { profile: WorkerProfile; policy: Partial<ScalingPolicy> };

export interface ScalingHarness {
  readonly client: Client;
  readonly backend: WorkerBackend;
  /** A fresh swarm id with a standard profile on a queue of its own. */
  swarm(label: string): { swarmId: string; profile: WorkerProfile };
  /** Starts the swarm's scaler with one profile (or several), fast test intervals and windows. */
  start(swarmId: string, profiles: WorkerProfile | ProfilePolicy[], policy?: Partial<ScalingPolicy>, extra?: Partial<ScalerInput>): Promise<ScalerHandle>;
  /** Identities polling a queue's activity tasks. */
  polling(profile: WorkerProfile): Promise<Set<string>>;
  eventsOf(swarmId: string): ScalingEvent[];
  /** Who ran each model call of a task (memory calls run on the in-process nexus worker). */
  identitiesOf(handle: WorkflowHandle): Promise<string[]>;
  /** The identity of the worker running the task's model call, once it has started. */
  modelCallRunningOn(handle: WorkflowHandle): Promise<string>;
  /** Waits until `count` workers of the swarm are listed and poll the profile's queue. */
  pollingWorkers(swarmId: string, profile: WorkerProfile, count: number, timeoutMs?: number): Promise<WorkerInfo[]>;
}

/** The fast policy the tests start from: no cooldowns, a 5 s idle window. */
const TEST_POLICY: ScalingPolicy = { ...DEFAULT_POLICY, upCooldownMs: 0, downCooldownMs: 0, idleWindowMs: 5_000, maxStepUp: 4, maxStepDown: 4 };

/** Registers the set-up and clean-up of one test file and returns what its tests use. */
export function scalingHarness(backendUnderTest: BackendUnderTest): ScalingHarness {
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

  const harness: ScalingHarness = {
    get client() {
      return client;
    },
    get backend() {
      return backend;
    },
    swarm(label) {
      const swarmId = `t${backendUnderTest.kind[0]}-${label}-${Date.now().toString(36)}`;
      swarms.push(swarmId);
      return { swarmId, profile: { name: 'std', taskQueue: `agents-${swarmId}`, slots: { activities: 2, workflowTasks: 4 }, resources: { cpus: 0.5, memoryMb: 256 } } };
    },
    async start(swarmId, profiles, policy = {}, extra = {}) {
      const list = Array.isArray(profiles) ? profiles : [{ profile: profiles, policy }];
      const handle = await startScaler(client, {
        swarmId,
        profiles: list.map((p) => ({ profile: p.profile, policy: { ...TEST_POLICY, ...p.policy } })),
        intervalMs: 1_000,
        shutdownGraceSeconds: 5,
        ...extra,
      });
      scalers.push(handle);
      return handle;
    },
    async polling(profile) {
      const answer = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: profile.taskQueue, kind: 1 }, taskQueueType: 2 });
      return new Set((answer.pollers ?? []).map((p) => p.identity ?? ''));
    },
    eventsOf: (swarmId) => events.list({ since: 0, swarmId }),
    async identitiesOf(handle) {
      const history = (await handle.fetchHistory()).events ?? [];
      const prompts = new Set(history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'promptModel').map((e) => String(e.eventId)));
      return history
        .filter((e) => prompts.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '')))
        .map((e) => e.activityTaskStartedEventAttributes?.identity ?? '');
    },
    modelCallRunningOn: (handle) =>
      waitFor('the model call to start', async () => {
        const { raw } = await handle.describe();
        // Memory calls (on the nexus worker) may be pending too: only the model call says where the task runs.
        return raw.pendingActivities?.find((a) => a.activityType?.name === 'promptModel' && a.lastWorkerIdentity)?.lastWorkerIdentity ?? undefined;
      }, 60_000),
    async pollingWorkers(swarmId, profile, count, timeoutMs = 180_000) {
      return waitFor(`${count} polling ${profile.name} workers`, async () => {
        const ids = await harness.polling(profile);
        const list = (await backend.list(swarmId)).filter((w) => w.profile === profile.name);
        return list.length === count && list.every((w) => ids.has(`${w.name}/agents`)) ? list : undefined;
      }, timeoutMs);
    },
  };
  return harness;
}
