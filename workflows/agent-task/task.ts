import { workflowInfo } from '@temporalio/workflow';
import type { AgentTaskInput, AgentTaskState, Checkpoint, FailureKind } from '../../src/contracts/agent-task';
import type { AgentTaskSpec } from '../../src/contracts/agent-task-spec';
import type { StrategyStatRow } from '../../src/healing/chooser';
import type { StrategyName } from '../../src/healing/strategies';
import { FailureRecorder } from './failure-recorder';
import type { Repair } from './repair';

const RECENT_FAILURES_KEPT = 10;

/** What the current step has been through: reset when a step completes or the task rolls back. */
export interface StepProgress {
  /** Attempts of this step (reasks count; activity retries do not). */
  attempt: number;
  /** The repair of the step's last invalid answer, if any: what to send next, and why. */
  repair?: Repair;
  /** Strategies and error signatures of this step, for the chooser's loop detection. */
  tried: StrategyName[];
  signatures: string[];
  /** Fallback models already switched to in this step. */
  usedModels: string[];
}

/** One run of an agent task: what is fixed for the run, and the state its parts update. */
export interface TaskRun {
  readonly spec: AgentTaskSpec;
  readonly workflowId: string;
  /** Same for every run of a continue-as-new chain: memory checkpoint ids are made unique with it. */
  readonly chainId: string;
  readonly agentNamespace: string;
  readonly missionNamespace: string;
  /** What the `state` query shows; carried across continue-as-new. */
  readonly state: AgentTaskState;
  readonly checkpoints: Checkpoint[];
  readonly recorder: FailureRecorder;
  /** Set by a rollback; kept in the prompts until the next checkpoint. */
  rollbackNote?: string;
  current: StepProgress;
  /** Memories recalled for the current step's prompt. */
  memories: string[];
  /** Strategy outcomes from the analytics store, fetched at the run's first repair choice. */
  stats?: StrategyStatRow[];
}

function initialState(spec: AgentTaskSpec, now: number): AgentTaskState {
  return {
    status: 'running',
    goal: spec.goal,
    step: 0,
    records: [],
    attempts: 0,
    healAttempts: 0,
    consecutiveFailures: 0,
    rollbacks: 0,
    tokens: 0,
    hints: [],
    recentFailures: [],
    startedAt: now,
    run: 1,
    temperature: spec.model.temperature,
    model: spec.model.name,
    strategies: {},
  };
}

export function freshStep(): StepProgress {
  return { attempt: 0, tried: [], signatures: [], usedModels: [] };
}

/**
 * The run's starting point: a new task, a task continued as new (its carried state), or a task
 * taken over from another run (its completed steps, which are not asked again).
 */
export function openTask(input: AgentTaskInput): TaskRun {
  const { spec, carried, resume } = input;
  const info = workflowInfo();
  const now = Date.now();
  const state: AgentTaskState = { ...initialState(spec, now), ...carried?.state };
  const resumed = !carried && resume ? resume.records.slice(0, spec.steps) : [];
  if (resumed.length > 0) {
    state.records = resumed;
    state.step = resumed.length;
  }
  return {
    spec,
    workflowId: info.workflowId,
    chainId: info.firstExecutionRunId,
    agentNamespace: `agent:${spec.missionId}:${spec.taskId}`,
    missionNamespace: `mission:${spec.missionId}`,
    state,
    checkpoints: carried?.checkpoints ?? [{ id: `cp-${state.step}`, completedSteps: state.step, at: now }],
    recorder: new FailureRecorder(
      { missionId: spec.missionId, workflowId: info.workflowId, runId: info.runId, role: spec.role, model: spec.model.name ?? 'default' },
      carried?.recorder,
    ),
    rollbackNote: carried?.rollbackNote,
    current: freshStep(),
    memories: [],
  };
}

export function lastCheckpoint(task: TaskRun): Checkpoint {
  return task.checkpoints[task.checkpoints.length - 1];
}

export type EscalationReason = 'attempt-budget' | 'time-budget' | 'token-budget' | 'rollback-limit' | 'model-rejected';

/** Why the task must stop trying, as a value the loop acts on. */
export interface Escalation {
  reason: EscalationReason;
  message: string;
}

/** The first budget the task has spent, if any. */
export function spentBudget(task: TaskRun, now: number): Escalation | undefined {
  const { budget } = task.spec;
  const { state } = task;
  if (state.attempts >= budget.maxAttempts) return { reason: 'attempt-budget', message: `attempt budget spent (${state.attempts}/${budget.maxAttempts})` };
  if (state.tokens >= budget.maxTokens) return { reason: 'token-budget', message: `token budget spent (${state.tokens}/${budget.maxTokens})` };
  if (now - state.startedAt >= budget.maxDurationMs) return { reason: 'time-budget', message: `time budget spent (${budget.maxDurationMs} ms)` };
  return undefined;
}

export function noteFailure(task: TaskRun, kind: FailureKind, message: string): void {
  const { state } = task;
  state.recentFailures = [...state.recentFailures, { step: state.step, attempt: task.current.attempt, kind, message }].slice(-RECENT_FAILURES_KEPT);
  state.consecutiveFailures += 1;
}

export function atFailureLimit(task: TaskRun): boolean {
  return task.state.consecutiveFailures >= task.spec.budget.maxConsecutiveFailures;
}

/** Counts one repair per strategy: how often tried, how often the answer then validated. */
export function tally(task: TaskRun, strategy: string, healed: boolean): void {
  const strategies = (task.state.strategies ??= {});
  const entry = (strategies[strategy] ??= { tried: 0, healed: 0 });
  entry.tried += 1;
  if (healed) entry.healed += 1;
}
