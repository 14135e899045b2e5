/**
 * The agent task's contract with everything that starts, watches or supervises it: its input and
 * result, its messages, its workflow id and start options, and the escalation it fails with.
 * Workflow-safe: imported by the workflow itself, by parent workflows and by clients.
 */
import { ApplicationFailure } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChatMessage, SimOptions } from '../llm/provider';
import type { AgentTaskSpec } from './agent-task-spec';
import type { OutputFaultKind } from '../healing/validate';
import type { RecorderState } from './failure-events';
import { ESCALATION_REQUIRED } from './failure-types';
import { SA } from './search-attributes';
import { profileQueue } from './task-queues';

/** The workflow type name, for clients that start it by name (CLI, other SDKs, schedules). */
export const AGENT_TASK_WORKFLOW = 'agentTask';

export type AgentTaskStatus = 'running' | 'paused' | 'rolling-back' | 'completed' | 'escalated';

/** A validated output of one step. */
export interface StepRecord {
  step: number;
  output: unknown;
  /** Prompt attempts this step took (1 = first answer was valid). */
  attempts: number;
  tokens: number;
}

/** A stable state the task can return to. */
export interface Checkpoint {
  id: string;
  /** Steps completed at this checkpoint; rollback truncates the records to this many. */
  completedSteps: number;
  /** Workflow time (ms since epoch) it was taken. */
  at: number;
  /** The memory checkpoint marked with it (`rollbackMemory` returns there); unique per rollback. */
  memoryId?: string;
  /** Whether a memory write was tagged with `memoryId` (which marks it in the store). */
  memoryWritten?: boolean;
}

export type FailureKind = OutputFaultKind | 'model-transport' | 'model-rejected';

export interface FailureNote {
  step: number;
  attempt: number;
  kind: FailureKind;
  message: string;
}

/** What the `state` query returns; also carried across continue-as-new. */
export interface AgentTaskState {
  status: AgentTaskStatus;
  goal: string;
  /** Index of the step being worked on (= number of completed steps). */
  step: number;
  records: StepRecord[];
  attempts: number;
  healAttempts: number;
  consecutiveFailures: number;
  rollbacks: number;
  tokens: number;
  hints: string[];
  recentFailures: FailureNote[];
  startedAt: number;
  /** Runs of this task chained by continue-as-new (1 = first run). */
  run: number;
  /** Sampling temperature now in use (the healer may lower it). */
  temperature?: number;
  /** Model now in use (the healer may switch to a fallback); undefined is the provider's default. */
  model?: string;
  /** Repairs per strategy over the task: how often tried, how often the answer then validated. */
  strategies?: Record<string, { tried: number; healed: number }>;
}

/**
 * Where a task taken over from another run starts: the steps that run completed up to its last
 * checkpoint. Those steps are not asked again (their outputs are the new run's first records).
 */
export interface ResumePoint {
  /** The workflow the steps were completed by. */
  fromWorkflowId: string;
  records: StepRecord[];
}

/** Input of the agentTask workflow: the spec, and the carried state when continued-as-new. */
export interface AgentTaskInput {
  spec: AgentTaskSpec;
  /** Set by a supervisor that reassigns the task: start after these completed steps. */
  resume?: ResumePoint;
  carried?: { state: AgentTaskState; checkpoints: Checkpoint[]; recorder?: RecorderState; rollbackNote?: string };
}

export interface AgentTaskResult {
  taskId: string;
  missionId: string;
  role: string;
  outputs: unknown[];
  attempts: number;
  healAttempts: number;
  rollbacks: number;
  tokens: number;
  runs: number;
}

/** Carried in the details of an EscalationRequired failure: what the supervisor needs to decide. */
export interface EscalationContext {
  taskId: string;
  missionId: string;
  role: string;
  reason: 'attempt-budget' | 'time-budget' | 'token-budget' | 'rollback-limit' | 'model-rejected';
  step: number;
  attempts: number;
  healAttempts: number;
  rollbacks: number;
  tokens: number;
  lastCheckpoint?: { id: string; completedSteps: number };
  recentFailures: FailureNote[];
  /** The steps completed up to the last checkpoint: a reassigned run resumes from here. */
  resume?: ResumePoint;
}

/** Input of the prompt activity; recorded in history, so it holds no secret. */
export interface PromptInput {
  workflowId: string;
  taskId: string;
  missionId: string;
  role: string;
  step: number;
  /** Attempt of this step at the workflow level (reasks count; activity retries do not). */
  attempt: number;
  /** `advice`: the mission supervisor asking its model (not an agent task's step). */
  purpose: 'first' | 'reask' | 'after-rollback' | 'decompose' | 'advice';
  /** The repair strategy of this attempt and what it changed: the hints a retried attempt keeps. */
  strategy?: string;
  healNote?: string;
  messages: ChatMessage[];
  taskType: string;
  model?: string;
  temperature: number;
  sim?: SimOptions;
}

export interface PromptResult {
  text: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const hintSignal = defineSignal<[string]>('hint');
export const amendGoalUpdate = defineUpdate<AgentTaskState, [string]>('amendGoal');
export const stateQuery = defineQuery<AgentTaskState>('state');
export const checkpointsQuery = defineQuery<Checkpoint[]>('checkpoints');

/** Workflow id of a task: `<mission>.<task>`; starting the same task while it runs attaches to it. */
export function agentTaskWorkflowId(spec: Pick<AgentTaskSpec, 'missionId' | 'taskId'>): string {
  return `${spec.missionId}.${spec.taskId}`;
}

/**
 * How a task is started, by a client or a parent workflow alike: its id, its queue (that of the
 * worker profile it asks for), its input, and the search attributes and summaries the Web UI shows
 * from its first event.
 */
export function agentTaskStartOptions(spec: AgentTaskSpec, input: AgentTaskInput = { spec }) {
  return {
    workflowId: agentTaskWorkflowId(spec),
    taskQueue: profileQueue(spec.workerProfile),
    args: [input] as [AgentTaskInput],
    typedSearchAttributes: [
      { key: SA.role, value: spec.role },
      { key: SA.mission, value: spec.missionId },
      { key: SA.status, value: 'running' },
    ],
    staticSummary: `${spec.role}: ${spec.goal.slice(0, 120)}`,
    staticDetails: `Mission **${spec.missionId}**, task **${spec.taskId}**, ${spec.steps} step(s), output schema \`${spec.outputSchema}\`.`,
  };
}

function isEscalationContext(value: unknown): value is EscalationContext {
  if (typeof value !== 'object' || value === null) return false;
  const context = value as Partial<EscalationContext>;
  return typeof context.taskId === 'string' && typeof context.reason === 'string' && typeof context.step === 'number';
}

/**
 * The escalation a failed task carries, found through the failure's causes (a client's
 * WorkflowFailedError, a parent's ChildWorkflowFailure); undefined when it did not escalate.
 */
export function escalationOf(error: unknown): { message: string; context?: EscalationContext } | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type === ESCALATION_REQUIRED) {
      const details: unknown = cause.details?.[0];
      return { message: cause.message, context: isEscalationContext(details) ? details : undefined };
    }
  }
  return undefined;
}
