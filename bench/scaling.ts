import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { parseTaskDocument } from '../src/tasks/load';
import { startAgentTask } from '../src/missions/client';
import { chooseBackend, WorkerBackend } from '../src/scaling/backend';
import { startScaler } from '../src/scaling/client';
import { DockerBackend } from '../src/scaling/docker';
import { ScalingEventStore } from '../src/scaling/events';
import { dockerOrFail, ensureWorkerImage } from '../src/scaling/image';
import { DEFAULT_POLICY } from '../src/scaling/policy';
import { WorkerProfile } from '../src/scaling/profiles';
import { pollerIdentity, workerName } from '../src/scaling/plan';
import { runWorkers } from '../workers/run';
import { defaultWorkflowBundleDir } from '../workers/paths';
import { Benchmark, benchSetting, Metric, round } from './metric';
import { startBenchServer } from './server';

/**
 * One burst of 200 agent tasks with a fixed simulated model latency, run five ways against the
 * same private server with the same workers (containers when a Docker engine answers, child
 * processes otherwise): a fixed pool of 1, a fixed pool of N, and the scaler going 1 → N, 1 → N
 * with a warm standby, and 0 → N with a warm standby (no worker polls between bursts).
 */
const TASKS = benchSetting('BENCH_SCALING_TASKS', 200, 1);
const LATENCY_MS = benchSetting('BENCH_SCALING_LATENCY_MS', 2_000);
const N = 4;
/** Quiet time before the burst, in every arm: a pool sized for bursts idles between them. */
const LEAD_IN_MS = 20_000;
const IDLE_WINDOW_MS = 5_000;
const PROFILE: Omit<WorkerProfile, 'taskQueue'> = { name: 'bench', slots: { activities: 5, workflowTasks: 10 }, resources: { cpus: 1, memoryMb: 512 } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long each fixed pool took from its start to every worker polling (for the README). */
const startupMs: number[] = [];

interface ArmResult {
  completionMs: number;
  /** Worker-seconds from the start of the lead-in until the pool was back at its minimum (or the burst done). */
  workerSeconds: number;
  /** The same from the burst on (no lead-in). */
  burstWorkerSeconds: number;
  horizonMs: number;
  firstExtraWorkerMs?: number;
  /** From the burst to the scaler's first decision to add workers (its events in scaling.db). */
  firstScaleUpMs?: number;
  peakWorkers: number;
}

/** Counts live workers every 250 ms: worker-seconds are measured, not assumed. */
function sampler(backend: WorkerBackend, swarmId: string) {
  const samples: Array<{ at: number; live: number }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const live = (await backend.list(swarmId)).filter((w) => w.state !== 'exited').length;
      samples.push({ at: Date.now(), live });
      await sleep(250);
    }
  })();
  const integrate = (from: number, to: number) => {
    let total = 0;
    for (let i = 0; i + 1 < samples.length; i += 1) {
      const start = Math.max(from, samples[i].at);
      const end = Math.min(to, samples[i + 1].at);
      if (end > start) total += (samples[i].live * (end - start)) / 1000;
    }
    return total;
  };
  return {
    samples,
    integrate,
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function burst(client: Client, swarmId: string, queue: string): Promise<number> {
  const started = Date.now();
  const handles = await Promise.all(
    Array.from({ length: TASKS }, (_, i) => {
      const [spec] = parseTaskDocument({ taskId: `t${i}`, missionId: swarmId, role: 'researcher', goal: `Assess segment ${i}`, outputSchema: 'research', model: { sim: { latencyMs: LATENCY_MS } } });
      return startAgentTask(client, spec, { taskQueue: queue });
    }),
  );
  await Promise.all(handles.map((h) => h.result()));
  return Date.now() - started;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function pollers(client: Client, queue: string): Promise<Set<string>> {
  const answer = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue, kind: 1 }, taskQueueType: 2 });
  return new Set((answer.pollers ?? []).map((p) => p.identity ?? ''));
}

async function fixedPool(client: Client, backend: WorkerBackend, address: string, size: number): Promise<ArmResult> {
  const swarmId = `bench-fixed${size}-${process.pid}`;
  const profile = { ...PROFILE, taskQueue: `agents-${swarmId}` };
  const names = Array.from({ length: size }, (_, i) => workerName(swarmId, profile.name, i + 1));
  try {
    for (const [i, name] of names.entries()) {
      await backend.start({ name, seq: i + 1, swarmId, profile, temporalAddress: address, namespace: 'default', env: benchWorkerEnv(backend), shutdownGraceSeconds: 5 });
    }
    const starting = Date.now();
    await waitUntil(async () => {
      const seen = await pollers(client, profile.taskQueue);
      return names.every((n) => seen.has(pollerIdentity(n)));
    }, 180_000, `${size} polling workers (their states: ${JSON.stringify(await backend.list(swarmId))})`).catch(async (err: Error) => {
      throw new Error(`${err.message}\nlast lines of ${names[0]}:\n${await backend.logs(names[0], 20).catch(() => '(none)')}`);
    });
    startupMs.push(Date.now() - starting);
    const count = sampler(backend, swarmId);
    const leadIn = Date.now();
    await sleep(LEAD_IN_MS);
    const burstAt = Date.now();
    const completionMs = await burst(client, swarmId, profile.taskQueue);
    await count.stop();
    const end = Date.now();
    return { completionMs, workerSeconds: count.integrate(leadIn, end), burstWorkerSeconds: count.integrate(burstAt, end), horizonMs: end - leadIn, peakWorkers: size };
  } finally {
    for (const name of names) await backend.remove(name);
  }
}

/**
 * The scaler going `minWorkers` → N; with `standbyWorkers`, that many more are booted and wait
 * unpolled (and are counted). With `minWorkers` 0 no worker polls between bursts: the standby is
 * the first to take tasks.
 */
async function autoscaled(client: Client, backend: WorkerBackend, home: string, minWorkers: number, standbyWorkers: number): Promise<ArmResult> {
  const swarmId = `bench-auto${minWorkers}s${standbyWorkers}-${process.pid}`;
  const profile = { ...PROFILE, taskQueue: `agents-${swarmId}` };
  const handle = await startScaler(client, {
    swarmId,
    profiles: [{ profile, policy: { ...DEFAULT_POLICY, minWorkers, maxWorkers: N, maxStepUp: N, maxStepDown: N, upCooldownMs: 0, downCooldownMs: 0, idleWindowMs: IDLE_WINDOW_MS, standbyWorkers } }],
    intervalMs: 500,
    shutdownGraceSeconds: 5,
  });
  try {
    if (minWorkers > 0) await waitUntil(async () => (await pollers(client, profile.taskQueue)).has(pollerIdentity(workerName(swarmId, profile.name, 1))), 60_000, 'the first worker polling');
    // A standby worker counts from when it is ready (its heartbeat), as a booted worker would.
    if (standbyWorkers > 0) await waitUntil(async () => (await backend.list(swarmId)).filter((w) => w.standby && w.state === 'running').length >= standbyWorkers, 120_000, 'the standby workers booted');
    const count = sampler(backend, swarmId);
    const leadIn = Date.now();
    await sleep(LEAD_IN_MS);
    // The workers polling before the burst; the first other one is the extra worker.
    const before = await pollers(client, profile.taskQueue);
    const burstAt = Date.now();
    let firstExtraWorkerMs: number | undefined;
    const watch = (async () => {
      while (firstExtraWorkerMs === undefined && Date.now() - burstAt < 120_000) {
        const seen = await pollers(client, profile.taskQueue);
        if ([...seen].some((id) => !before.has(id) && id.startsWith(`${swarmId}-`))) firstExtraWorkerMs = Date.now() - burstAt;
        else await sleep(50);
      }
    })();
    const completionMs = await burst(client, swarmId, profile.taskQueue);
    await watch;
    await waitUntil(async () => (await backend.list(swarmId)).length <= minWorkers + standbyWorkers, 120_000, 'the pool back at its minimum');
    await count.stop();
    const end = Date.now();
    const events = ScalingEventStore.open(path.join(home, 'scaling.db'));
    const firstUp = events.list({ since: burstAt, swarmId }).find((e) => e.started.length > 0);
    events.close();
    return {
      firstScaleUpMs: firstUp ? firstUp.at - burstAt : undefined,
      completionMs,
      workerSeconds: count.integrate(leadIn, end),
      burstWorkerSeconds: count.integrate(burstAt, end),
      horizonMs: end - leadIn,
      firstExtraWorkerMs,
      peakWorkers: Math.max(...count.samples.map((s) => s.live)),
    };
  } finally {
    await handle.terminate('bench over').catch(() => undefined);
    for (const w of await backend.list(swarmId)) await backend.remove(w.name);
  }
}

function benchWorkerEnv(backend: WorkerBackend): Record<string, string> {
  const env: Record<string, string> = { DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_LOG_LEVEL: 'warn' };
  if (backend.kind === 'process') env.DREAMOS_WORKFLOW_BUNDLES = defaultWorkflowBundleDir();
  return env;
}

/** Docker when an engine answers (the worker image built or reused by content hash), else child processes. */
async function benchBackend(home: string, progress: (line: string) => void): Promise<{ env: Record<string, string>; reason: string }> {
  const probe = await DockerBackend.probe('none').catch(() => ({ ok: false as const, reason: 'no engine' }));
  const engine = probe.ok || !/does not answer/.test(probe.reason);
  if (!engine || process.env.BENCH_SCALING_BACKEND === 'process') return { env: { DREAMOS_SCALING_BACKEND: 'process', DREAMOS_HOME: home }, reason: 'process' };
  const image = await ensureWorkerImage(await dockerOrFail(), { tagPrefix: 'dreamos/worker:bench', builtBy: 'bench', progress });
  return { env: { DREAMOS_SCALING_BACKEND: 'docker', DREAMOS_WORKER_IMAGE: image, DREAMOS_HOME: home }, reason: `docker (${image.slice(7, 19)})` };
}

export const scalingBenchmark: Benchmark = {
  name: 'scaling',
  async run(progress) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-scaling-'));
    const bench = await startBenchServer();
    const chosen = await benchBackend(home, progress);
    const config = loadConfig({ ...chosen.env, TEMPORAL_ADDRESS: bench.server.address, DREAMOS_DASHBOARD_PORT: '0' });
    const { backend } = await chooseBackend(config);
    // Forwarded by the control worker to the workers the scaler starts.
    Object.assign(process.env, benchWorkerEnv(backend));
    const workers = await runWorkers(['nexus', 'control'], { connection: bench.connection, namespace: 'default', config, workflowBundles: defaultWorkflowBundleDir(), dashboard: false, scalingBackend: backend, shutdownGraceSeconds: 5 });
    try {
      progress(`${TASKS} tasks, ${LATENCY_MS} ms per model call, ${PROFILE.slots.activities} slots per worker, N = ${N}, workers: ${chosen.reason}`);
      const one = await fixedPool(bench.client, backend, bench.server.address, 1);
      progress(`fixed pool of 1: ${(one.completionMs / 1000).toFixed(1)} s`);
      const many = await fixedPool(bench.client, backend, bench.server.address, N);
      progress(`fixed pool of ${N}: ${(many.completionMs / 1000).toFixed(1)} s`);
      const auto = await autoscaled(bench.client, backend, home, 1, 0);
      progress(`autoscaled 1→${N}: ${(auto.completionMs / 1000).toFixed(1)} s, decided to add workers after ${auto.firstScaleUpMs} ms, first extra worker polling after ${auto.firstExtraWorkerMs} ms, peak ${auto.peakWorkers}`);
      const warm = await autoscaled(bench.client, backend, home, 1, 1);
      progress(`autoscaled 1→${N} with 1 standby: ${(warm.completionMs / 1000).toFixed(1)} s, decided to add workers after ${warm.firstScaleUpMs} ms, first extra worker polling after ${warm.firstExtraWorkerMs} ms, peak ${warm.peakWorkers} (standby included)`);
      const spare = await autoscaled(bench.client, backend, home, 0, 1);
      progress(`autoscaled 0→${N} with 1 standby: ${(spare.completionMs / 1000).toFixed(1)} s, decided to add workers after ${spare.firstScaleUpMs} ms, first worker polling after ${spare.firstExtraWorkerMs} ms, peak ${spare.peakWorkers} (standby included)`);
      const common = { backend: chosen.reason, tasks: TASKS, latencyMs: LATENCY_MS, fixed1Ms: one.completionMs, fixedNMs: many.completionMs, leadInS: LEAD_IN_MS / 1000, loadAverage1m: round(os.loadavg()[0], 1), fixedPoolStartupMs: startupMs.join(' / ') };
      const arm = (prefix: string, run: ArmResult, minWorkers: number, standby: number): Metric[] => {
        // A fixed pool holds its N workers whatever the load: over the autoscaled run's horizon it uses N × horizon.
        const fixedOverAutoHorizon = many.workerSeconds * (run.horizonMs / many.horizonMs);
        const details = {
          ...common,
          minWorkers,
          standbyWorkers: standby,
          autoMs: run.completionMs,
          autoWorkerSeconds: round(run.workerSeconds, 1),
          fixedNWorkerSecondsSameHorizon: round(fixedOverAutoHorizon, 1),
          horizonS: round(run.horizonMs / 1000, 1),
          burstOnlyRatio: round(run.burstWorkerSeconds / (N * ((run.horizonMs - LEAD_IN_MS) / 1000)), 3),
          peakWorkers: run.peakWorkers,
          firstScaleUpMs: run.firstScaleUpMs ?? -1,
        };
        return [
          { name: `${prefix}.burstToExtraWorkerMs`, value: run.firstExtraWorkerMs ?? Number.NaN, unit: 'ms', baseline: null, target: '< 5000', details },
          { name: `${prefix}.completionVsFixedMax`, value: round(run.completionMs / many.completionMs, 3), unit: 'ratio', baseline: many.completionMs, target: '<= 1.2', details: { ...details, vsFixed1: round(run.completionMs / one.completionMs, 3) } },
          // Standby workers are counted as workers: they hold their memory while they wait.
          { name: `${prefix}.workerSecondsVsFixedMax`, value: round(run.workerSeconds / fixedOverAutoHorizon, 3), unit: 'ratio', baseline: round(fixedOverAutoHorizon, 1), target: '<= 0.7', details },
        ];
      };
      return [...arm('scaling', auto, 1, 0), ...arm('scaling.standby1', warm, 1, 1), ...arm('scaling.min0standby1', spare, 0, 1)];
    } finally {
      await workers.shutdown();
      await bench.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  },
};
