import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChatMessage, SimOptions } from '../src/llm/provider';
import type { AgentTaskSpec } from '../src/tasks/spec';
import type { OutputFaultKind } from '../src/healing/validate';
import type { RecorderState } from '../src/analytics/capture';

/** Failure type of the typed, non-retryable error an agent task fails with when it cannot recover. */
export const ESCALATION_REQUIRED = 'EscalationRequired';

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

/** Input of the agentTask workflow: the spec, and the carried state when continued-as-new. */
export interface AgentTaskInput {
  spec: AgentTaskSpec;
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
  purpose: 'first' | 'reask' | 'after-rollback' | 'decompose';
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
