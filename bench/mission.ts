import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { loadConfig } from '../src/config';
import { AgentTaskSpec } from '../src/contracts/agent-task-spec';
import { DecisionKind, MissionInput, Supervision } from '../src/contracts/mission-spec';
import { outcomeOf, startAgentTask } from '../src/missions/client';
import { missionWorkflowId } from '../src/contracts/mission';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../src/temporal/dev-server';
import { startMission } from '../src/missions/mission-client';
import { parseMissionDocument } from '../src/tasks/load';
import { bundleWorkflows } from '../scripts/bundle-workflows';
import { mergeSpec, reassigned, runSpec, splitParts } from '../workflows/mission/derive';
import { decide } from '../workflows/mission/policy';
import { runWorkers } from '../workers/run';
import { Benchmark, benchSetting, Metric, round, seededRandom } from './metric';
import { startBenchServer } from './server';

const TASKS = benchSetting('BENCH_MISSION_TASKS', 100, 5);
const ROUNDS = benchSetting('BENCH_MISSION_ROUNDS', 3, 1);
/** Every N-th task needs a decision (0: none, to see the supervisor's own cost). */
const DECISION_EVERY = benchSetting('BENCH_MISSION_DECISION_EVERY', 10);
const CONCURRENCY = 20;
/** Model latency of every call (sim): the work a real mission waits for. */
const LATENCY_MS = benchSetting('BENCH_MISSION_LATENCY_MS', 200);
/** The same comparison again at a model call of 2 s (the scaling bench's latency), with these rounds (0: skipped). */
const SLOW_LATENCY_MS = 2_000;
const SLOW_ROUNDS = benchSetting('BENCH_MISSION_SLOW_ROUNDS', 3);
/** The main comparison again on a stock dev server (its transfer queue read at most 20 times a second), with these rounds (0: skipped). */
const STOCK_ROUNDS = benchSetting('BENCH_MISSION_STOCK_ROUNDS', 3);
/** A wide mission: this many independent tasks queued for QUEUE_LIMIT slots, at QUEUE_LATENCY_MS a call (0: skipped). */
const QUEUE_TASKS = benchSetting('BENCH_MISSION_QUEUE_TASKS', 200);
const QUEUE_LIMIT = 4;
const QUEUE_LATENCY_MS = 20;
const QUEUE_ROUNDS = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * 100 one-step tasks in five layers of 20; each task after the first layer depends on one or two
 * tasks of the layer before. Every tenth task needs a decision: half fail for their first role
 * (reassigned to another), half only succeed when split.
 */
function missionFile(missionId: string, latencyMs = LATENCY_MS): MissionInput {
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
      // Only the task's own runs fail: its parts' goals go on with `Part k of n` on the next line, the
      // merge's goal starts otherwise. (Matching any `Part ` let recalled memory, other tasks' parts
      // and merges, spare a first run now and then.)
      const own = `Goal: ${task.goal}\n`;
      task.model = { sim: { latencyMs, rules: [{ whenPromptIncludes: own, unlessPromptIncludes: `${own}Part `, fault: 'empty-answer' }] } };
      task.supervision = { reassignTo: [] };
    } else if (needsDecision) {
      task.role = 'junior';
      task.model = { sim: { latencyMs, rules: [{ whenPromptIncludes: 'You are the junior agent', fault: 'empty-answer' }] } };
    }
    return task;
  });
  return parseMissionDocument({
    mission: missionId,
    maxConcurrentTasks: CONCURRENCY,
    supervision: { askPerson: 'never', reassignTo: [{ role: 'senior' }], splitParts: 2 },
    defaults: { role: 'researcher', outputSchema: 'answer', budget: { maxConsecutiveFailures: 1, maxRollbacks: 0 }, model: { sim: { latencyMs } } },
    tasks,
  });
}

interface Run {
  ms: number;
  completed: number;
  escalated: number;
  resolved: number;
  tokens: number;
  /** Median ms from the last dependency's end to a task's first run (its workflow's start). */
  hopMs?: number;
  /** Median ms from a run's end to the next run of the same task (a reassignment, a split's parts) or a merge step. */
  rerunMs?: number;
}

/**
 * Where the time between runs goes, from visibility: start and close times of every run of the
 * mission's tasks (workflow ids `<missionId>.<taskId>[.<suffix>]`, the same for both sides).
 */
async function withHops(client: Client, input: MissionInput, run: Run): Promise<Run> {
  const spans = new Map<string, { start: number; close: number }>();
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH "${input.missionId}."` })) {
    if (w.closeTime) spans.set(w.workflowId, { start: w.startTime.getTime(), close: w.closeTime.getTime() });
  }
  // Runs by file task: `<missionId>.<taskId>` and its reruns, parts and merge step `<missionId>.<taskId>.<suffix>` (bench task ids have no dot).
  const byTask = new Map<string, Array<{ start: number; close: number }>>();
  for (const [id, span] of spans) {
    const taskId = id.slice(input.missionId.length + 1).split('.')[0];
    byTask.set(taskId, [...(byTask.get(taskId) ?? []), span]);
  }
  const runsOf = (taskId: string) => [...(byTask.get(taskId) ?? [])].sort((a, b) => a.start - b.start);
  const hops: number[] = [];
  const reruns: number[] = [];
  for (const task of input.tasks) {
    const runs = runsOf(task.spec.taskId);
    if (runs.length === 0) continue;
    const depsEnded = Math.max(...task.dependsOn.flatMap((d) => runsOf(d).map((r) => r.close)));
    if (task.dependsOn.length > 0 && Number.isFinite(depsEnded)) hops.push(runs[0].start - depsEnded);
    for (const next of runs.slice(1)) {
      const before = runs.filter((r) => r.close <= next.start).map((r) => r.close);
      if (before.length > 0) reruns.push(next.start - Math.max(...before));
    }
  }
  return { ...run, ...(hops.length > 0 ? { hopMs: median(hops) } : {}), ...(reruns.length > 0 ? { rerunMs: median(reruns) } : {}) };
}

async function runMission(client: Client, input: MissionInput): Promise<Run> {
  const began = Date.now();
  const result = await (await startMission(client, input)).result();
  const fileTasks = result.tasks.filter((t) => !t.parent);
  const escalated = fileTasks.filter((t) => t.decisions > 0);
  return { ms: Date.now() - began, completed: fileTasks.filter((t) => t.state === 'completed').length, escalated: escalated.length, resolved: escalated.filter((t) => t.state === 'completed').length, tokens: result.tokens };
}

type Recovery = 'none' | 'client';

/**
 * The same tasks started as independent workflows by a client, each once its dependencies have
 * ended with their outputs in its goal, at most the mission's `maxConcurrentTasks` runs at once,
 * with no supervisor workflow. With recovery `none` an escalated task stays failed (its dependents
 * still run, without its output); with `client` the client script does what the supervisor would,
 * with the mission's own pure policy: it starts the task again under the next role, or its parts
 * and then their merge step, so both runs do the same work to the same end.
 */
async function runIndependent(client: Client, input: MissionInput, recovery: Recovery): Promise<Run> {
  const began = Date.now();
  const ended = new Map<string, Promise<void>>();
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    while (running >= input.maxConcurrentTasks) await new Promise<void>((r) => waiting.push(r));
    running += 1;
  };
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  const totals = { completed: 0, escalated: 0, resolved: 0, tokens: 0 };
  const once = async (spec: AgentTaskSpec) => {
    await slot();
    try {
      const outcome = await outcomeOf(await startAgentTask(client, spec));
      totals.tokens += outcome.status === 'completed' ? outcome.result.tokens : outcome.status === 'escalated' ? (outcome.context?.tokens ?? 0) : 0;
      return outcome;
    } finally {
      release();
    }
  };
  /** The last validated outputs of each completed task (a split task's are its merge step's), for its dependents' goals. */
  const outputs = new Map<string, { taskId: string; role: string; outputs: unknown[] }>();
  const inputsOf = (dependsOn: string[]) => dependsOn.map((id) => outputs.get(id) ?? { taskId: id, role: 'unknown', outputs: [] });
  /**
   * Runs a task to its end, its goal carrying its dependencies' outputs as the mission's does
   * (`runSpec`), recovering as the supervisor's policy says when `recovery` is `client`.
   */
  const toEnd = async (spec: AgentTaskSpec, supervision: Supervision, splitDepth: number, task: { escalated: boolean }, dependsOn: string[]): Promise<boolean> => {
    const history: DecisionKind[] = [];
    let current = spec;
    for (let run = 1; ; run += 1) {
      const outcome = await once(runSpec(current, run, inputsOf(dependsOn), input.maxTokens - totals.tokens));
      if (outcome.status === 'completed') {
        outputs.set(spec.taskId, { taskId: spec.taskId, role: current.role, outputs: outcome.result.outputs });
        return true;
      }
      task.escalated = true;
      if (recovery === 'none') return false;
      const decision = decide({
        end: outcome.status,
        escalationReason: outcome.status === 'escalated' ? outcome.context?.reason : undefined,
        failureClasses: [],
        history,
        usedAssignments: history.filter((k) => k === 'reassign').length + 1,
        splitDepth,
        splittable: true,
        personAsked: false,
        tokensLeft: input.maxTokens - totals.tokens,
        msLeft: input.deadlineMs - (Date.now() - began),
        supervision,
      });
      history.push(decision.kind);
      if (decision.kind === 'reassign') current = reassigned(current, decision.to);
      else if (decision.kind === 'split') {
        const parts = splitParts(spec, decision.parts);
        const done = await Promise.all(parts.map((part) => toEnd(part, supervision, splitDepth + 1, task, dependsOn)));
        const merge = mergeSpec(spec, decision.parts);
        if (!done.every(Boolean) || !(await toEnd(merge, supervision, splitDepth + 1, task, parts.map((p) => p.taskId)))) return false;
        outputs.set(spec.taskId, { taskId: spec.taskId, role: current.role, outputs: outputs.get(merge.taskId)?.outputs ?? [] });
        return true;
      } else return false;
    }
  };
  const run = async (task: MissionInput['tasks'][number]) => {
    await Promise.all(task.dependsOn.map((id) => ended.get(id)));
    const seen = { escalated: false };
    const completed = await toEnd(task.spec, task.supervision, 0, seen, task.dependsOn);
    if (seen.escalated) totals.escalated += 1;
    if (completed) totals.completed += 1;
    if (completed && seen.escalated) totals.resolved += 1;
  };
  for (const task of input.tasks) ended.set(task.spec.taskId, run(task));
  await Promise.all(ended.values());
  return { ms: Date.now() - began, completed: totals.completed, escalated: totals.escalated, resolved: totals.resolved, tokens: totals.tokens };
}

/**
 * Runs each kind once: in the given order on odd rounds, the reverse on even ones, so neither side
 * always runs on the server's longer history. The result names the order it ran in.
 */
async function inAlternatingOrder<T extends { order: string }>(round: number, forward: ReadonlyArray<Exclude<keyof T, 'order'> & string>, runs: { [K in Exclude<keyof T, 'order'>]: () => Promise<T[K]> }): Promise<T> {
  const order = round % 2 === 1 ? forward : [...forward].reverse();
  const done: Record<string, unknown> = { order: order.join(', ') };
  for (const kind of order) done[kind] = await runs[kind]();
  return done as T;
}

/** Independent tasks, most of them queued for a few slots: what the mission costs each queued task. */
function queueFile(missionId: string): MissionInput {
  return parseMissionDocument({
    mission: missionId,
    maxConcurrentTasks: QUEUE_LIMIT,
    supervision: { askPerson: 'never' },
    defaults: { role: 'researcher', outputSchema: 'answer', model: { sim: { latencyMs: QUEUE_LATENCY_MS } } },
    tasks: Array.from({ length: QUEUE_TASKS }, (_, i) => ({ taskId: `q${i}`, goal: `Answer part ${i} of the market question` })),
  });
}

/** The mission's workflow tasks, from its history: how many, and their time from started to completed summed. */
async function missionWorkflowTasks(client: Client, missionId: string): Promise<{ count: number; ms: number }> {
  const events = (await client.workflow.getHandle(missionWorkflowId(missionId)).fetchHistory()).events ?? [];
  const startedAt = new Map<number, number>();
  let count = 0;
  let ms = 0;
  for (const event of events) {
    if (event.workflowTaskStartedEventAttributes) startedAt.set(Number(event.eventId), tsToMs(event.eventTime));
    const completed = event.workflowTaskCompletedEventAttributes;
    if (completed) {
      count += 1;
      ms += tsToMs(event.eventTime) - (startedAt.get(Number(completed.startedEventId)) ?? tsToMs(event.eventTime));
    }
  }
  return { count, ms };
}

interface QueueRound {
  order: string;
  mission: Run & { workflowTasks: number; workflowTaskMs: number };
  client: Run;
}

/** The wide mission against the same tasks from a client holding QUEUE_LIMIT slots, the order alternating by round. */
async function measureQueue(client: Client, say: (line: string) => void): Promise<QueueRound[]> {
  const rounds: QueueRound[] = [];
  for (let round = 1; round <= QUEUE_ROUNDS; round += 1) {
    const runs = {
      mission: async () => {
        const input = queueFile(`bench-queue-mission-${round}`);
        const run = await runMission(client, input);
        const tasks = await missionWorkflowTasks(client, input.missionId);
        say(`queue round ${round}: mission ${run.ms} ms, ${run.completed}/${QUEUE_TASKS} completed; ${tasks.count} workflow tasks, ${tasks.ms} ms in them`);
        return { ...run, workflowTasks: tasks.count, workflowTaskMs: tasks.ms };
      },
      client: async () => {
        const run = await runIndependent(client, queueFile(`bench-queue-client-${round}`), 'none');
        say(`queue round ${round}: client ${run.ms} ms, ${run.completed}/${QUEUE_TASKS} completed`);
        return run;
      },
    };
    rounds.push(await inAlternatingOrder<QueueRound>(round, ['mission', 'client'], runs));
  }
  return rounds;
}

function queueMetric(rounds: QueueRound[]): Metric {
  const ratios = rounds.map((r) => r.mission.ms / r.client.ms);
  return {
    name: 'mission.queuedTasksOverheadRatio',
    value: round(median(ratios), 3),
    unit: 'ratio',
    baseline: round(median(rounds.map((r) => r.client.ms)), 0),
    target: 'reported',
    details: {
      baseline: `the same tasks from a client script holding ${QUEUE_LIMIT} slots`,
      tasks: QUEUE_TASKS,
      concurrency: QUEUE_LIMIT,
      modelLatencyMs: QUEUE_LATENCY_MS,
      roundRatios: ratios.map((r) => r.toFixed(3)).join(' '),
      missionMs: rounds.map((r) => r.mission.ms).join(' '),
      baselineMs: rounds.map((r) => r.client.ms).join(' '),
      order: rounds.map((r) => r.order).join(' | '),
      // The supervisor's own work: its workflow tasks and their time from started to completed, summed.
      missionWorkflowTasks: rounds.map((r) => r.mission.workflowTasks).join(' '),
      missionWorkflowTaskMs: rounds.map((r) => r.mission.workflowTaskMs).join(' '),
    },
  };
}

interface Round {
  /** The runs in the order they ran. */
  order: string;
  mission: Run;
  /** The same tasks from a client that recovers them as the supervisor would. */
  recovered: Run;
  /** The same tasks from a client that leaves escalated tasks failed (not run at the slow latency). */
  unrecovered?: Run;
}

function ratioMetric(name: string, target: string, rounds: Round[], baselineOf: (r: Round) => Run, note: string, latencyMs: number): Metric {
  const ratios = rounds.map((r) => r.mission.ms / baselineOf(r).ms);
  const each = (f: (r: Round) => number | undefined) => rounds.map((r) => f(r) ?? '-').join(' ');
  return {
    name,
    value: round(median(ratios), 3),
    unit: 'ratio',
    baseline: round(median(rounds.map((r) => baselineOf(r).ms)), 0),
    target,
    details: {
      roundRatios: ratios.map((r) => r.toFixed(3)).join(' '),
      missionMs: each((r) => r.mission.ms),
      baselineMs: each((r) => baselineOf(r).ms),
      baselineCompleted: each((r) => baselineOf(r).completed),
      baseline: note,
      tasks: TASKS,
      concurrency: CONCURRENCY,
      modelLatencyMs: latencyMs,
      order: rounds.map((r) => r.order).join(' | '),
      // Medians per round: from the last dependency's end to a dependent's start, and from a run's end to the task's next run.
      missionHopMs: each((r) => r.mission.hopMs),
      baselineHopMs: each((r) => baselineOf(r).hopMs),
      missionRerunMs: each((r) => r.mission.rerunMs),
      baselineRerunMs: each((r) => baselineOf(r).rerunMs),
    },
  };
}

function metrics(rounds: Round[], slow: Round[]): Metric[] {
  const last = rounds[rounds.length - 1] as Required<Round>;
  const perTask = (r: Run) => r.tokens / Math.max(1, r.completed);
  return [
    ratioMetric('mission.supervisionOverheadRatio', '<= 1.15', rounds, (r) => r.recovered, `a client script recovering escalated tasks with the same policy (same child runs, same end), both on a dev server configured as the embedded one (transfer queue read up to ${DEV_SERVER_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS']} times a second)`, LATENCY_MS),
    ...(slow.length > 0 ? [ratioMetric('mission.supervisionOverheadRatioAt2s', 'reported', slow, (r) => r.recovered, `the same, every model call taking ${SLOW_LATENCY_MS} ms`, SLOW_LATENCY_MS)] : []),
    ratioMetric('mission.vsUnrecoveredRatio', 'reported', rounds, (r) => r.unrecovered as Run, 'a client script leaving escalated tasks failed (their dependents still run)', LATENCY_MS),
    {
      name: 'mission.resolvedByDecision',
      value: round(last.mission.resolved / Math.max(1, last.mission.escalated), 3),
      unit: 'share',
      baseline: null,
      target: '>= 0.9',
      details: { escalatedTasks: last.mission.escalated, resolved: last.mission.resolved, completedWithSupervisor: last.mission.completed, completedWithout: last.unrecovered.completed, completedByClientRecovery: last.recovered.completed },
    },
    {
      name: 'mission.tokensPerCompletedTaskVsNoSupervisor',
      value: round(perTask(last.mission) / perTask(last.unrecovered), 3),
      unit: 'ratio',
      baseline: round(perTask(last.unrecovered), 1),
      target: '<= 1.5',
      details: { tokensPerCompletedTask: round(perTask(last.mission), 1), tokensWith: last.mission.tokens, tokensWithout: last.unrecovered.tokens, tokensClientRecovery: last.recovered.tokens },
    },
  ];
}

/** A private server with the agents, nexus and control workers of the bench (their stores in a new folder), for `use`. */
async function withSwarm<T>(stock: boolean, workflowBundles: string, use: (client: Client) => Promise<T>): Promise<T> {
  const bench = await startBenchServer({ stock });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-mission-'));
  try {
    const workers = await runWorkers(['agents', 'nexus', 'control'], {
      connection: bench.connection,
      namespace: 'default',
      config: loadConfig({ DREAMOS_MODEL_PROVIDER: 'sim', DREAMOS_HOME: home }),
      workflowBundles,
      dashboard: false,
    });
    try {
      return await use(bench.client);
    } finally {
      await workers.shutdown();
    }
  } finally {
    await bench.close();
  }
}

/**
 * Rounds at one model latency; the order of the runs alternates, so neither side always runs on
 * the server's longer history. `server` names the server in run ids and progress lines.
 */
async function measure(client: Client, progress: (line: string) => void, latencyMs: number, count: number, withUnrecovered: boolean, server = ''): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let round = 1; round <= count; round += 1) {
    const tag = `${server}${latencyMs}ms-${round}`;
    const say = (line: string) => progress(`${server ? `${server} server, ` : ''}${latencyMs} ms a call, round ${round}: ${line}`);
    const runs = {
      unrecovered: async () => {
        const input = missionFile(`bench-independent-${tag}`, latencyMs);
        const run = await withHops(client, input, await runIndependent(client, input, 'none'));
        say(`independent, no recovery ${run.ms} ms, ${run.completed}/${TASKS} completed`);
        return run;
      },
      recovered: async () => {
        const input = missionFile(`bench-recovered-${tag}`, latencyMs);
        const run = await withHops(client, input, await runIndependent(client, input, 'client'));
        say(`independent, recovered by the client ${run.ms} ms, ${run.completed}/${TASKS} completed, ${run.resolved}/${run.escalated} escalated tasks resolved; median hop ${run.hopMs} ms`);
        return run;
      },
      mission: async () => {
        const input = missionFile(`bench-mission-${tag}`, latencyMs);
        const run = await withHops(client, input, await runMission(client, input));
        say(`mission ${run.ms} ms, ${run.completed}/${TASKS} completed, ${run.resolved}/${run.escalated} escalated tasks resolved; median hop ${run.hopMs} ms`);
        return run;
      },
    };
    const forward = (['unrecovered', 'recovered', 'mission'] as const).filter((k) => withUnrecovered || k !== 'unrecovered');
    rounds.push(await inAlternatingOrder<Round>(round, forward, runs));
  }
  return rounds;
}

/**
 * A 100-task mission with dependencies where 10 % of the tasks need a decision, against the same
 * tasks started as independent workflows in the same run (same server, workers and order), by a
 * client that recovers escalated tasks as the supervisor would and by one that does not; then a
 * wide mission of independent tasks queued for a few slots against a client holding as many. The
 * server is configured as the embedded one; the main comparison runs again on a stock dev server.
 */
export const missionBenchmark: Benchmark = {
  name: 'mission',
  async run(progress) {
    // One build of the bundles for both servers' workers.
    const bundles = await bundleWorkflows(fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-bench-mission-bundles-')));
    const tuned = await withSwarm(false, bundles, async (client) => {
      const rounds = await measure(client, progress, LATENCY_MS, ROUNDS, true);
      const slow = await measure(client, progress, SLOW_LATENCY_MS, SLOW_ROUNDS, false);
      const queue = QUEUE_TASKS > 0 ? [queueMetric(await measureQueue(client, progress))] : [];
      return [...metrics(rounds, slow), ...queue];
    });
    if (STOCK_ROUNDS === 0) return tuned;
    const stock = await withSwarm(true, bundles, (client) => measure(client, progress, LATENCY_MS, STOCK_ROUNDS, false, 'stock'));
    const note = 'the same client recovery, both on a stock `temporal server start-dev` (one shard, its transfer queue read at most 20 times a second)';
    return [...tuned, ratioMetric('mission.supervisionOverheadRatioStockServer', 'reported', stock, (r) => r.recovered, note, LATENCY_MS)];
  },
};
