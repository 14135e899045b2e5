import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { AgentTaskSpec } from '../src/contracts/agent-task-spec';
import { MissionInput } from '../src/contracts/mission-spec';
import { outcomeOf, startAgentTask } from '../src/missions/client';
import { startMission } from '../src/missions/mission-client';
import { parseMissionDocument } from '../src/tasks/load';
import { bundleWorkflows } from '../scripts/bundle-workflows';
import { runWorkers } from '../workers/run';
import { Benchmark, Metric, round, seededRandom } from './metric';
import { startBenchServer } from './server';

const TASKS = Number(process.env.BENCH_MISSION_TASKS ?? 100);
const ROUNDS = Number(process.env.BENCH_MISSION_ROUNDS ?? 2);
/** Every N-th task needs a decision (0: none, to see the supervisor's own cost). */
const DECISION_EVERY = Number(process.env.BENCH_MISSION_DECISION_EVERY ?? 10);
const CONCURRENCY = 20;
/** Model latency of every call (sim): the work a real mission waits for. */
const LATENCY_MS = 200;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * 100 one-step tasks in five layers of 20; each task after the first layer depends on one or two
 * tasks of the layer before. Every tenth task needs a decision: half fail for their first role
 * (reassigned to another), half only succeed when split.
 */
function missionFile(missionId: string): MissionInput {
  const random = seededRandom(11);
  const layer = Math.max(1, Math.floor(TASKS / 5));
  const tasks = Array.from({ length: TASKS }, (_, i) => {
    const previous = Math.floor(i / layer) - 1;
    const dependsOn = previous < 0 ? [] : [...new Set([0, 1].map(() => `t${previous * layer + Math.floor(random() * layer)}`))];
    const needsDecision = DECISION_EVERY > 0 && i % DECISION_EVERY === Math.floor(DECISION_EVERY / 2);
    const splitOnly = needsDecision && Math.floor(i / DECISION_EVERY) % 2 === 1;
    const task: Record<string, unknown> = { taskId: `t${i}`, goal: `Answer part ${i} of the market question`, dependsOn };
    if (needsDecision && splitOnly) {
      task.goal = `Answer the WHOLE-MARKET question ${i}`;
      task.model = { sim: { latencyMs: LATENCY_MS, rules: [{ whenPromptIncludes: 'WHOLE-MARKET', unlessPromptIncludes: 'Part ', fault: 'empty-answer' }] } };
      task.supervision = { reassignTo: [] };
    } else if (needsDecision) {
      task.role = 'junior';
      task.model = { sim: { latencyMs: LATENCY_MS, rules: [{ whenPromptIncludes: 'You are the junior agent', fault: 'empty-answer' }] } };
    }
    return task;
  });
  return parseMissionDocument({
    mission: missionId,
    maxConcurrentTasks: CONCURRENCY,
    supervision: { askPerson: 'never', reassignTo: [{ role: 'senior' }], splitParts: 2 },
    defaults: { role: 'researcher', outputSchema: 'answer', budget: { maxConsecutiveFailures: 1, maxRollbacks: 0 }, model: { sim: { latencyMs: LATENCY_MS } } },
    tasks,
  });
}

interface Run {
  ms: number;
  completed: number;
  escalated: number;
  resolved: number;
  tokens: number;
}

async function runMission(client: Client, input: MissionInput): Promise<Run> {
  const began = Date.now();
  const result = await (await startMission(client, input)).result();
  const fileTasks = result.tasks.filter((t) => !t.parent);
  const escalated = fileTasks.filter((t) => t.decisions > 0);
  return { ms: Date.now() - began, completed: fileTasks.filter((t) => t.state === 'completed').length, escalated: escalated.length, resolved: escalated.filter((t) => t.state === 'completed').length, tokens: result.tokens };
}

/**
 * The same tasks started as independent workflows by a client, each once its dependencies have
 * ended, at most CONCURRENCY at once: no supervisor, so an escalated task stays failed (its
 * dependents still run, so both runs do the same work otherwise).
 */
async function runIndependent(client: Client, input: MissionInput): Promise<Run> {
  const began = Date.now();
  const ended = new Map<string, Promise<void>>();
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    while (running >= CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
    running += 1;
  };
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  const totals = { completed: 0, escalated: 0, tokens: 0 };
  const run = async (spec: AgentTaskSpec, dependsOn: string[]) => {
    await Promise.all(dependsOn.map((id) => ended.get(id)));
    await slot();
    try {
      const outcome = await outcomeOf(await startAgentTask(client, spec));
      if (outcome.status === 'completed') {
        totals.completed += 1;
        totals.tokens += outcome.result.tokens;
      } else {
        totals.escalated += 1;
        totals.tokens += outcome.status === 'escalated' ? (outcome.context?.tokens ?? 0) : 0;
      }
    } finally {
      release();
    }
  };
  for (const task of input.tasks) ended.set(task.spec.taskId, run(task.spec, task.dependsOn));
  await Promise.all(ended.values());
  return { ms: Date.now() - began, completed: totals.completed, escalated: totals.escalated, resolved: 0, tokens: totals.tokens };
}

function metrics(missions: Run[], independent: Run[]): Metric[] {
  const ratios = missions.map((m, i) => m.ms / independent[i].ms);
  const last = missions[missions.length - 1];
  const base = independent[independent.length - 1];
  const perTask = (r: Run) => r.tokens / Math.max(1, r.completed);
  return [
    {
      name: 'mission.supervisionOverheadRatio',
      value: round(median(ratios), 3),
      unit: 'ratio',
      baseline: round(median(independent.map((r) => r.ms)), 0),
      target: '<= 1.15',
      details: { roundRatios: ratios.map((r) => r.toFixed(3)).join(' '), missionMs: missions.map((r) => r.ms).join(' '), independentMs: independent.map((r) => r.ms).join(' '), tasks: TASKS, concurrency: CONCURRENCY, modelLatencyMs: LATENCY_MS },
    },
    {
      name: 'mission.resolvedByDecision',
      value: round(last.resolved / Math.max(1, last.escalated), 3),
      unit: 'share',
      baseline: null,
      target: '>= 0.9',
      details: { escalatedTasks: last.escalated, resolved: last.resolved, completedWithSupervisor: last.completed, completedWithout: base.completed },
    },
    {
      name: 'mission.tokensPerCompletedTaskVsNoSupervisor',
      value: round(perTask(last) / perTask(base), 3),
      unit: 'ratio',
      baseline: round(perTask(base), 1),
      target: '<= 1.5',
      details: { tokensPerCompletedTask: round(perTask(last), 1), tokensWith: last.tokens, tokensWithout: base.tokens },
    },
  ];
}

/**
 * A 100-task mission with dependencies where 10 % of the tasks need a decision, against the same
 * tasks started as independent workflows in the same run (same server, workers and order).
 */
export const missionBenchmark: Benchmark = {
  name: 'mission',
  async run(progress) {
    const bench = await startBenchServer();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-mission-'));
    const workers = await runWorkers(['agents', 'nexus', 'control'], {
      connection: bench.connection,
      namespace: 'default',
      config: loadConfig({ DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_HOME: home }),
      workflowBundles: await bundleWorkflows(path.join(home, 'bundles')),
      dashboard: false,
    });
    try {
      const missions: Run[] = [];
      const independent: Run[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        const alone = await runIndependent(bench.client, missionFile(`bench-independent-${round}`));
        progress(`round ${round}: independent ${alone.ms} ms, ${alone.completed}/${TASKS} completed`);
        const mission = await runMission(bench.client, missionFile(`bench-mission-${round}`));
        progress(`round ${round}: mission ${mission.ms} ms, ${mission.completed}/${TASKS} completed, ${mission.resolved}/${mission.escalated} escalated tasks resolved`);
        independent.push(alone);
        missions.push(mission);
      }
      return metrics(missions, independent);
    } finally {
      await workers.shutdown();
      await bench.close();
    }
  },
};
