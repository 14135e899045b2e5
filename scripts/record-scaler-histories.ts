import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startAgentTask } from '../src/missions/client';
import type { WorkerBackend } from '../src/scaling/backend';
import { ScalerHandle, startScaler } from '../src/scaling/client';
import { DEFAULT_POLICY } from '../src/scaling/policy';
import { WorkerProfile } from '../src/scaling/profiles';
import { drainWorkerSignal, ScalerInput, scalerStateQuery, setLimitsUpdate } from '../src/contracts/scaler';
import { parseTaskDocument } from '../src/tasks/load';
import { toRecord } from './history-files';

/**
 * Scaler scenarios for the replay histories, on real worker processes (the recorder's control
 * worker runs the `process` backend): a burst scaled up and released, limits changed by update,
 * a worker drained by signal and replaced; and runs crossing continue-as-new.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

function input(swarmId: string, fields: Partial<ScalerInput> = {}): ScalerInput {
  const profile: WorkerProfile = { name: 'std', taskQueue: `agents-${swarmId}`, slots: { activities: 2, workflowTasks: 4 }, resources: { cpus: 0.5, memoryMb: 256 } };
  const policy = { ...DEFAULT_POLICY, minWorkers: 0, maxWorkers: 2, upCooldownMs: 0, downCooldownMs: 0, idleWindowMs: 3_000 };
  return { swarmId, profiles: [{ profile, policy }], intervalMs: 1_000, shutdownGraceSeconds: 5, ...fields };
}

interface ScalerScenario {
  input: ScalerInput;
  /** What a client and the load do while the scaler runs; the history is taken when it returns. */
  drive(handle: ScalerHandle, client: Client, backend: WorkerBackend): Promise<void>;
  /** Record runs of the chain after the first too (continue-as-new): `<name>-run<n>`. */
  runs?: number;
}

const workers = (backend: WorkerBackend, swarmId: string) => backend.list(swarmId);

const SCENARIOS: Record<string, ScalerScenario> = {
  'scale-and-drain': {
    input: input('replay-scale'),
    async drive(handle, client, backend) {
      const queue = 'agents-replay-scale';
      const spec = (i: number) => parseTaskDocument({ taskId: `scale-${i}`, missionId: 'replay', role: 'researcher', goal: 'Map the market', outputSchema: 'research', model: { sim: { latencyMs: 1_500 } } })[0];
      const tasks = await Promise.all([1, 2, 3, 4].map((i) => startAgentTask(client, spec(i), { taskQueue: queue })));
      await Promise.all(tasks.map((t) => t.result()));
      await until('the burst released', async () => (await workers(backend, 'replay-scale')).length === 0);
      await handle.executeUpdate(setLimitsUpdate, { args: [{ minWorkers: 1 }] });
      await until('a worker for minWorkers 1', async () => (await workers(backend, 'replay-scale')).some((w) => w.state === 'running'));
      const [first] = await workers(backend, 'replay-scale');
      await handle.signal(drainWorkerSignal, first.name);
      await until('the drained worker replaced', async () => {
        const list = await workers(backend, 'replay-scale');
        return list.length === 1 && list[0].name !== first.name;
      });
      await handle.executeUpdate(setLimitsUpdate, { args: [{ minWorkers: 0 }] });
      await until('the last worker released', async () => (await workers(backend, 'replay-scale')).length === 0);
      await handle.query(scalerStateQuery);
    },
  },
  standby: {
    input: input('replay-standby', { profiles: input('replay-standby').profiles.map((p) => ({ ...p, policy: { ...p.policy, minWorkers: 1, maxWorkers: 2, standbyWorkers: 1 } })) }),
    async drive(handle, client, backend) {
      const swarm = 'replay-standby';
      await until('a live worker and a booted standby', async () => (await workers(backend, swarm)).filter((w) => w.state === 'running').length === 2);
      const spec = (i: number) => parseTaskDocument({ taskId: `standby-${i}`, missionId: 'replay', role: 'researcher', goal: 'Map the market', outputSchema: 'research', model: { sim: { latencyMs: 1_500 } } })[0];
      const tasks = await Promise.all([1, 2, 3, 4].map((i) => startAgentTask(client, spec(i), { taskQueue: `agents-${swarm}` })));
      await Promise.all(tasks.map((t) => t.result()));
      // Back to one live worker and a fresh standby (the activated one drained), then the standby released by update.
      await until('the activated worker drained', async () => !(await workers(backend, swarm)).some((w) => w.seq === 2));
      await handle.executeUpdate(setLimitsUpdate, { args: [{ standbyWorkers: 0 }] });
      await until('no standby left', async () => (await workers(backend, swarm)).length === 1);
      await handle.query(scalerStateQuery);
    },
  },
  'continued-as-new': {
    input: input('replay-can', { ticksPerRun: 3, profiles: input('replay-can').profiles.map((p) => ({ ...p, policy: { ...p.policy, minWorkers: 1, maxWorkers: 1 } })) }),
    runs: 2,
    async drive(handle, client) {
      // Two continue-as-new: the second run (started with the carried state) is recorded whole.
      await until('a third run', async () => (await client.workflow.count(`WorkflowId="${handle.workflowId}"`)).count >= 3, 60_000);
    },
  },
};

/** Records each scaler scenario not recorded yet as `scaler-<name>.json` (and `-run<n>` for later runs). */
export async function recordScalerHistories(client: Client, backend: WorkerBackend, outDir: string): Promise<void> {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const file = path.join(outDir, `scaler-${name}.json`);
    if (!toRecord(file)) continue;
    const handle = await startScaler(client, scenario.input);
    try {
      await scenario.drive(handle, client, backend);
      const runs = [];
      for await (const run of client.workflow.list({ query: `WorkflowId="${handle.workflowId}"` })) runs.push(run);
      // Oldest first: the first run, then each continued one.
      runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
      for (const [i, run] of runs.slice(0, scenario.runs ?? 1).entries()) {
        const history = await client.workflow.getHandle(handle.workflowId, run.runId).fetchHistory();
        const target = i === 0 ? file : file.replace(/\.json$/, `-run${i + 1}.json`);
        fs.writeFileSync(target, historyToJSON(history));
        console.log(`recorded ${path.basename(target, '.json')}: ${history.events?.length} events`);
      }
    } finally {
      await client.workflow.getHandle(handle.workflowId).terminate('recorded').catch(() => undefined);
      for (const worker of await backend.list(scenario.input.swarmId)) await backend.remove(worker.name);
    }
  }
}
