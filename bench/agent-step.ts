import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createPromptActivities } from '../activities/prompt';
import { createMemoryActivities } from '../activities/memory';
import { createAnalyticsActivities } from '../activities/analytics';
import { SQLiteMemory } from '../src/memory';
import { FailureStore } from '../src/analytics/store';
import { SimModel, SimProvider } from '../src/llm/sim';
import { parseTaskDocument } from '../src/tasks/load';
import { TASK_QUEUES } from '../src/contracts/task-queues';
import { Benchmark, Metric, round } from './metric';
import { benchBundle, startBenchServer } from './server';

const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 200);
const ROUNDS = 5;
const REFERENCE_ROUNDS = 3;
const BARE_ONLY_QUEUE = 'bench-bare-only';
// agentTask routes its activities to the agents queue; the bench server is private, so both kinds share it.
const QUEUE = TASK_QUEUES.agents;

/**
 * agentStep.throughputRatio: N one-step agentTask runs (sim model, zero latency) against N bare
 * workflows calling one no-op activity — same server, same worker, same concurrency, one run.
 */
export const agentStepBenchmark: Benchmark = {
  name: 'agentStep',
  async run(progress) {
    const bench = await startBenchServer();
    const provider = new SimProvider(new SimModel({ seed: 1 }), 10_000);
    const workflowBundle = { code: await benchBundle() };
    const worker = await Worker.create({
      connection: bench.connection,
      taskQueue: QUEUE,
      workflowBundle,
      activities: { ...createPromptActivities(provider), noop: async () => ({ ok: true }) },
    });
    // agentTask also recalls and writes memory on the nexus queue, as it does in production.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-'));
    const memory = SQLiteMemory.open(path.join(dir, 'memory.db'));
    const store = FailureStore.open(path.join(dir, 'analytics.db'));
    const nexus = await Worker.create({
      connection: bench.connection,
      taskQueue: TASK_QUEUES.nexus,
      workflowBundle,
      activities: { ...createMemoryActivities(memory), ...createAnalyticsActivities(store) },
    });
    const [spec] = parseTaskDocument({ taskId: 'bench', missionId: 'bench', role: 'researcher', goal: 'Benchmark one agent step', outputSchema: 'answer', steps: 1 });
    let id = 0;
    const timeRuns = async (start: () => Promise<{ result(): Promise<unknown> }>): Promise<number> => {
      const began = process.hrtime.bigint();
      const handles = await Promise.all(Array.from({ length: RUNS }, start));
      await Promise.all(handles.map((h) => h.result()));
      return RUNS / (Number(process.hrtime.bigint() - began) / 1e9);
    };
    const bare = () => bench.client.workflow.start('bareStep', { taskQueue: QUEUE, workflowId: `bare-${++id}` });
    const agent = () => bench.client.workflow.start('agentTask', { taskQueue: QUEUE, workflowId: `agent-${++id}`, args: [{ spec: { ...spec, taskId: `t${id}` } }] });
    try {
      return await nexus.runUntil(worker.runUntil(async () => {
        progress(`agentStep: warm-up`);
        await timeRuns(bare);
        await timeRuns(agent);
        const bareRates: number[] = [];
        const agentRates: number[] = [];
        for (let round = 1; round <= ROUNDS; round++) {
          bareRates.push(await timeRuns(bare));
          agentRates.push(await timeRuns(agent));
          progress(`agentStep: round ${round}/${ROUNDS}: bare ${bareRates.at(-1)!.toFixed(1)}/s, agentTask ${agentRates.at(-1)!.toFixed(1)}/s, ratio ${(agentRates.at(-1)! / bareRates.at(-1)!).toFixed(3)}`);
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        // For reference, not the metric: the same bare workflow on a worker whose bundle holds nothing else.
        const bareOnly = await Worker.create({ connection: bench.connection, taskQueue: BARE_ONLY_QUEUE, workflowBundle: { code: await benchBundle({ bareOnly: true }) }, activities: { noop: async () => ({ ok: true }) } });
        const bareOnlyRates = await bareOnly.runUntil(async () => {
          const lone = () => bench.client.workflow.start('bareStep', { taskQueue: BARE_ONLY_QUEUE, workflowId: `bare-only-${++id}` });
          await timeRuns(lone);
          const rates: number[] = [];
          for (let round = 1; round <= REFERENCE_ROUNDS; round++) rates.push(await timeRuns(lone));
          return rates;
        });
        progress(`agentStep: reference: the bare workflow alone in its bundle ${bareOnlyRates.map((r) => `${r.toFixed(1)}/s`).join(', ')}`);
        // Each round runs both kinds back to back, so its ratio sees one load; rates drift between rounds.
        const ratios = agentRates.map((rate, i) => rate / bareRates[i]);
        const bareRate = median(bareRates);
        const agentRate = median(agentRates);
        const metric: Metric = {
          name: 'agentStep.throughputRatio',
          value: round(median(ratios), 3),
          unit: 'ratio',
          baseline: round(bareRate, 1),
          target: '>= 0.6',
          details: {
            roundRatios: ratios.map((r) => r.toFixed(3)).join(' '),
            agentTaskPerSec: round(agentRate, 1),
            bareWorkflowPerSec: round(bareRate, 1),
            ratioOfMedianRates: round(agentRate / bareRate, 3),
            runsPerRound: RUNS,
            rounds: ROUNDS,
            bareWorkflowAloneInBundlePerSec: round(median(bareOnlyRates), 1),
            bundleNote: 'both kinds run on one worker whose bundle holds both; every workflow start evaluates the whole bundle, so the bare baseline pays for agentTask modules too',
          },
        };
        return [metric];
      }));
    } finally {
      memory.close();
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await bench.close();
    }
  },
};
