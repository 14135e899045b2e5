import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createPromptActivities } from '../activities/prompt';
import { createMemoryActivities } from '../activities/memory';
import { createAnalyticsActivities } from '../activities/analytics';
import { SQLiteMemory } from '../src/memory';
import { FailureStore } from '../src/analytics/store';
import { SimModel, SimProvider } from '../src/llm/sim';
import { OUTPUT_SCHEMA_NAMES } from '../src/healing/output-schemas';
import { outcomeOf, startAgentTask, TaskOutcome } from '../src/missions/client';
import { parseTaskDocument } from '../src/tasks/load';
import { AgentTaskSpec } from '../src/contracts/agent-task-spec';
import { TASK_QUEUES } from '../src/contracts/task-queues';
import { Benchmark, benchSetting, Metric, round } from './metric';
import { benchBundle, startBenchServer } from './server';

const TASKS = benchSetting('BENCH_HEALER_TASKS', 200, 1);
/** 30% invalid answers across the output fault types; no transport faults. */
const FAULTS = { malformedJson: 0.12, schemaViolation: 0.1, emptyAnswer: 0.08 };
const SEED = 17;
/** The same for both arms: the spec defaults, written out. */
const BUDGET = { maxAttempts: 20, maxConsecutiveFailures: 3, maxRollbacks: 2 };
const TOPICS = ['agent reliability tooling', 'usage-based pricing', 'developer onboarding', 'support automation', 'enterprise security reviews', 'partner channels', 'churn in small teams', 'model cost control'];

type Healing = AgentTaskSpec['healing'];

interface ArmFigures {
  healing: Healing;
  tasks: number;
  successes: number;
  escalated: number;
  failed: number;
  /** Tokens of every task, successful or not (escalations report theirs in their context). */
  tokens: number;
  /** Prompt attempts of the successful tasks. */
  attempts: number;
  /** Heal attempts and successes per strategy, from this arm's analytics store. */
  strategies: string;
}

/**
 * Task i of either arm: same mission, goal, schema, steps and sim seed, so both arms see the same
 * first prompts and the same first faults; only `healing` differs.
 */
function taskOf(i: number, healing: Healing): AgentTaskSpec {
  const [spec] = parseTaskDocument({
    taskId: `${healing}-${i}`,
    missionId: `bench-${i}`,
    role: 'researcher',
    goal: `Assess ${TOPICS[i % TOPICS.length]} for segment ${i}`,
    outputSchema: OUTPUT_SCHEMA_NAMES[i % OUTPUT_SCHEMA_NAMES.length],
    steps: 1 + (i % 2),
    healing,
    budget: BUDGET,
    model: { fallbacks: ['sim-2'], sim: { seed: SEED, faults: FAULTS } },
  });
  return spec;
}

function strategySummary(store: FailureStore): string {
  const byStrategy = new Map<string, { attempts: number; successes: number }>();
  for (const row of store.strategyStats()) {
    const entry = byStrategy.get(row.strategy) ?? { attempts: 0, successes: 0 };
    entry.attempts += row.attempts;
    entry.successes += row.successes;
    byStrategy.set(row.strategy, entry);
  }
  return [...byStrategy.entries()].map(([name, t]) => `${name} ${t.successes}/${t.attempts}`).join(', ');
}

/** One arm on its own nexus worker with fresh stores: neither arm's memory or strategy stats leak into the other. */
async function runArm(client: Client, connection: NativeConnection, workflowBundle: { code: string }, healing: Healing, progress: (line: string) => void): Promise<ArmFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dreamos-bench-healer-${healing}-`));
  const memory = SQLiteMemory.open(path.join(dir, 'memory.db'));
  const store = FailureStore.open(path.join(dir, 'analytics.db'));
  const nexus = await Worker.create({
    connection,
    taskQueue: TASK_QUEUES.nexus,
    workflowBundle,
    activities: { ...createMemoryActivities(memory), ...createAnalyticsActivities(store) },
  });
  try {
    const outcomes = await nexus.runUntil(async () => {
      const handles = await Promise.all(Array.from({ length: TASKS }, (_, i) => startAgentTask(client, taskOf(i, healing))));
      let done = 0;
      let ok = 0;
      return Promise.all(
        handles.map(async (handle) => {
          const outcome = await outcomeOf(handle);
          done += 1;
          if (outcome.status === 'completed') ok += 1;
          if (done % 25 === 0 || done === TASKS) progress(`healer: ${healing} ${done}/${TASKS} done, ${ok} succeeded`);
          return outcome;
        }),
      );
    });
    return { ...tally(healing, outcomes), strategies: strategySummary(store) };
  } finally {
    memory.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function tally(healing: Healing, outcomes: TaskOutcome[]): Omit<ArmFigures, 'strategies'> {
  const figures = { healing, tasks: outcomes.length, successes: 0, escalated: 0, failed: 0, tokens: 0, attempts: 0 };
  for (const outcome of outcomes) {
    if (outcome.status === 'completed') {
      figures.successes += 1;
      figures.tokens += outcome.result.tokens;
      figures.attempts += outcome.result.attempts;
    } else if (outcome.status === 'escalated') {
      figures.escalated += 1;
      figures.tokens += outcome.context?.tokens ?? 0;
    } else {
      figures.failed += 1;
    }
  }
  return figures;
}

const rate = (arm: ArmFigures) => arm.successes / arm.tasks;
const tokensPerSuccess = (arm: ArmFigures) => (arm.successes > 0 ? arm.tokens / arm.successes : Number.POSITIVE_INFINITY);

function details(arm: ArmFigures): Record<string, number | string> {
  return {
    [`${arm.healing}.successes`]: arm.successes,
    [`${arm.healing}.escalated`]: arm.escalated,
    [`${arm.healing}.failed`]: arm.failed,
    [`${arm.healing}.tokens`]: arm.tokens,
    [`${arm.healing}.tokensPerSuccess`]: round(tokensPerSuccess(arm), 1),
    [`${arm.healing}.attemptsPerSuccess`]: round(arm.attempts / Math.max(1, arm.successes), 2),
    [`${arm.healing}.strategies`]: arm.strategies,
  };
}

/**
 * healer.*: TASKS agent tasks (1 or 2 steps, sim model with 30% invalid answers across malformed
 * JSON, schema violations and empty answers) healed by the strategy ladder, against the same
 * tasks healed by naive retry of the identical prompt — one server, one agents worker, the same
 * attempt budget. Tokens per success counts the tokens of failed tasks too: what a success costs.
 */
export const healerBenchmark: Benchmark = {
  name: 'healer',
  async run(progress) {
    const bench = await startBenchServer();
    const workflowBundle = { code: await benchBundle() };
    const provider = new SimProvider(new SimModel({ seed: SEED }), 10_000);
    const agents = await Worker.create({ connection: bench.connection, taskQueue: TASK_QUEUES.agents, workflowBundle, activities: createPromptActivities(provider) });
    try {
      const [ladder, retry] = await agents.runUntil(async () => {
        const ladderArm = await runArm(bench.client, bench.connection, workflowBundle, 'ladder', progress);
        const retryArm = await runArm(bench.client, bench.connection, workflowBundle, 'retry', progress);
        return [ladderArm, retryArm];
      });
      const shared = { tasks: TASKS, faults: JSON.stringify(FAULTS), budget: JSON.stringify(BUDGET), seed: SEED };
      const all = { ...shared, ...details(ladder), ...details(retry) };
      const metrics: Metric[] = [
        { name: 'healer.successRate', value: round(rate(ladder), 3), unit: 'ratio', baseline: round(rate(retry), 3), target: '>= 0.99', details: all },
        { name: 'healer.successVsNaive', value: round(rate(ladder) / rate(retry), 3), unit: 'ratio', baseline: round(rate(retry), 3), target: '> 1', details: { ...shared, ladderSuccesses: ladder.successes, retrySuccesses: retry.successes } },
        {
          name: 'healer.tokensPerSuccessVsNaive',
          value: round(tokensPerSuccess(ladder) / tokensPerSuccess(retry), 3),
          unit: 'ratio',
          baseline: round(tokensPerSuccess(retry), 1),
          target: '< 1',
          details: { ...shared, ladderTokensPerSuccess: round(tokensPerSuccess(ladder), 1), retryTokensPerSuccess: round(tokensPerSuccess(retry), 1) },
        },
      ];
      return metrics;
    } finally {
      await bench.close();
    }
  },
};
