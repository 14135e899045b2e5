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
import { AGENT_TASK_WORKFLOW } from '../src/contracts/agent-task';
import { TASK_QUEUES } from '../src/contracts/task-queues';
import { bundleCode, workflowEntry } from '../scripts/bundle-workflows';
import { Benchmark, benchSetting, Metric, round } from './metric';
import { benchBundle, BenchServer, startBenchServer } from './server';

const RUNS = benchSetting('BENCH_AGENT_RUNS', 150, 1);
const ROUNDS = 5;
const SHARED_QUEUE = TASK_QUEUES.agents;
const AGENT_ALONE_QUEUE = 'bench-agent-alone';
const BARE_ALONE_QUEUE = 'bench-bare-alone';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts `RUNS` workflows at once and returns how many completed per second. */
async function rate(start: (i: number) => Promise<{ result(): Promise<unknown> }>): Promise<number> {
  const began = process.hrtime.bigint();
  const handles = await Promise.all(Array.from({ length: RUNS }, (_, i) => start(i)));
  await Promise.all(handles.map((h) => h.result()));
  return RUNS / (Number(process.hrtime.bigint() - began) / 1e9);
}

interface Kinds {
  bareShared: number[];
  agentShared: number[];
  bareAlone: number[];
  agentAlone: number[];
}

/**
 * A one-step agentTask (sim model, no latency; a memory recall, the model call and a memory write)
 * against a bare workflow calling one no-op activity, in two pairings:
 * - agentStep.vsBareAloneRatio: each kind on a worker whose bundle holds only it (agentTask in the
 *   agents queue's real bundle; the bare workflow alone), as deployed workers run them;
 * - agentStep.throughputRatio: both kinds from one bundle on one worker.
 * Each round runs the four kinds back to back; the metric is the median of the per-round ratios.
 */
export const agentStepBenchmark: Benchmark = {
  name: 'agentStep',
  async run(progress) {
    const bench = await startBenchServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-'));
    const memory = SQLiteMemory.open(path.join(dir, 'memory.db'));
    const store = FailureStore.open(path.join(dir, 'analytics.db'));
    try {
      const workers = await createWorkers(bench, memory, store);
      const [spec] = parseTaskDocument({ taskId: 'bench', missionId: 'bench', role: 'researcher', goal: 'Benchmark one agent step', outputSchema: 'answer', steps: 1 });
      let id = 0;
      const start = {
        bareShared: () => bench.client.workflow.start('bareStep', { taskQueue: SHARED_QUEUE, workflowId: `bare-${++id}` }),
        agentShared: () => bench.client.workflow.start(AGENT_TASK_WORKFLOW, { taskQueue: SHARED_QUEUE, workflowId: `agent-${++id}`, args: [{ spec: { ...spec, taskId: `t${id}` } }] }),
        bareAlone: () => bench.client.workflow.start('bareStep', { taskQueue: BARE_ALONE_QUEUE, workflowId: `bare-alone-${++id}` }),
        agentAlone: () => bench.client.workflow.start(AGENT_TASK_WORKFLOW, { taskQueue: AGENT_ALONE_QUEUE, workflowId: `agent-alone-${++id}`, args: [{ spec: { ...spec, taskId: `t${id}` } }] }),
      };
      const rates: Kinds = { bareShared: [], agentShared: [], bareAlone: [], agentAlone: [] };
      await runAll(workers, async () => {
        progress('agentStep: warm-up');
        for (const kind of Object.keys(start) as Array<keyof Kinds>) await rate(start[kind]);
        for (let round = 1; round <= ROUNDS; round++) {
          for (const kind of Object.keys(start) as Array<keyof Kinds>) rates[kind].push(await rate(start[kind]));
          const last = (kind: keyof Kinds) => rates[kind].at(-1)!;
          progress(
            `agentStep: round ${round}/${ROUNDS}: alone bundles agentTask ${last('agentAlone').toFixed(1)}/s vs bare ${last('bareAlone').toFixed(1)}/s` +
              ` (${(last('agentAlone') / last('bareAlone')).toFixed(3)}); shared bundle ${last('agentShared').toFixed(1)}/s vs ${last('bareShared').toFixed(1)}/s (${(last('agentShared') / last('bareShared')).toFixed(3)})`,
          );
        }
      });
      return metrics(rates);
    } finally {
      memory.close();
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await bench.close();
    }
  },
};

async function createWorkers(bench: BenchServer, memory: SQLiteMemory, store: FailureStore): Promise<Worker[]> {
  const provider = new SimProvider(new SimModel({ seed: 1 }), 10_000);
  const noop = async () => ({ ok: true });
  const connection = bench.connection;
  return [
    // Both kinds from one bundle. An agent task's model call runs on its own queue, as on a deployed agents worker.
    await Worker.create({ connection, taskQueue: SHARED_QUEUE, workflowBundle: { code: await benchBundle() }, activities: { ...createPromptActivities(provider), noop } }),
    await Worker.create({ connection, taskQueue: AGENT_ALONE_QUEUE, workflowBundle: { code: await bundleCode(workflowEntry('agents'), { preload: true }) }, activities: createPromptActivities(provider) }),
    await Worker.create({ connection, taskQueue: BARE_ALONE_QUEUE, workflowBundle: { code: await benchBundle({ bareOnly: true }) }, activities: { noop } }),
    // agentTask recalls and writes memory on the nexus queue, as it does in production.
    await Worker.create({ connection, taskQueue: TASK_QUEUES.nexus, activities: { ...createMemoryActivities(memory), ...createAnalyticsActivities(store) } }),
  ];
}

async function runAll(workers: Worker[], fn: () => Promise<void>): Promise<void> {
  const [first, ...rest] = workers;
  const run = rest.reduce((inner, worker) => () => worker.runUntil(inner), () => first.runUntil(fn));
  await run();
}

/** The median of the per-round ratios of agentTask's rate to the bare workflow's. */
function ratioMetric(name: string, target: string, agent: number[], bare: number[], bareLabel: string): Metric {
  const ratios = agent.map((rate, i) => rate / bare[i]);
  return {
    name,
    value: round(median(ratios), 3),
    unit: 'ratio',
    baseline: round(median(bare), 1),
    target,
    details: { roundRatios: ratios.map((r) => r.toFixed(3)).join(' '), agentTaskPerSec: round(median(agent), 1), [bareLabel]: round(median(bare), 1), runsPerRound: RUNS, rounds: ROUNDS },
  };
}

function metrics(rates: Kinds): Metric[] {
  return [
    ratioMetric('agentStep.vsBareAloneRatio', '>= 0.6', rates.agentAlone, rates.bareAlone, 'bareWorkflowAlonePerSec'),
    ratioMetric('agentStep.throughputRatio', '>= 0.75', rates.agentShared, rates.bareShared, 'bareWorkflowPerSec'),
  ];
}
