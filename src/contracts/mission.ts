/**
 * The mission's contract with the CLI, users' scripts and the Web UI: its workflow id, queue and
 * start options, its `decide` update and `graph` query, and its result. Workflow-safe: the mission
 * workflow and every client import the same definitions.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DecisionKind, MissionInput, PersonDecision } from './mission-spec';
import { SA } from './search-attributes';
import { TASK_QUEUES } from './task-queues';

export const MISSION_WORKFLOW = 'mission';

/** Where a task of the mission stands. */
export type MissionTaskState = 'waiting' | 'running' | 'deciding' | 'asking' | 'backing-off' | 'split' | 'completed' | 'abandoned' | 'skipped';

/** A question a person is asked about an escalated task; answered with the `decide` update. */
export interface PendingQuestion {
  taskId: string;
  reason: string;
  allowed: PersonDecision[];
  fallback: PersonDecision;
  /** Workflow time (ms since epoch) when the fallback applies. */
  deadline: number;
}

/** What the supervisor model advised for a decision, and what the policy made of it. */
export interface AdviceRecord {
  /**
   * `followed`: the decision is the advised kind; `overridden`: the policy decided otherwise (why in
   * `note`); `invalid`: the answer failed the advice schema; `failed`: the model call failed.
   */
  verdict: 'followed' | 'overridden' | 'invalid' | 'failed';
  /** The advised decision and the model's reason (valid answers only). */
  kind?: string;
  reason?: string;
  /** Why the advice was overridden or adjusted, the validation error, or the call's failure. */
  note?: string;
  /** Tokens the advice call spent (counted in the mission's budget). */
  tokens: number;
}

/** One decision of the supervisor, with its inputs and (once known) its outcome. */
export interface DecisionRecord {
  taskId: string;
  /** 1-based per task. */
  index: number;
  kind: DecisionKind;
  reason: string;
  /** The escalation reason or the way the child ended. */
  cause: string;
  failureClass?: string;
  /** Run the decision was about. */
  workflowId: string;
  at: number;
  /** For reassign: the new role/model; for split: the parts; for retry-later: the delay. */
  detail?: string;
  /** `refused`: a hand-off beyond the mission's limits (why in `reason`), not started. */
  outcome?: 'resolved' | 'failed-again' | 'abandoned' | 'pending' | 'refused';
  byPerson?: boolean;
  /** Set when the supervisor model was consulted (`supervision.advisor`). */
  advice?: AdviceRecord;
}

export interface MissionTaskView {
  taskId: string;
  role: string;
  state: MissionTaskState;
  dependsOn: string[];
  /** Set for a part or the merge step of a split. */
  parent?: string;
  /** Set for a task a completed task's output handed off: that task's id. */
  handoffFrom?: string;
  /** Child runs started for this task (a reassignment or retry is a new run). */
  attempts: number;
  workflowIds: string[];
  /** The run id of each run in `workflowIds`, same order; absent from missions started before run ids were kept. */
  runIds?: string[];
  decisions: number;
  tokens: number;
  /** Why it was abandoned or skipped. */
  reason?: string;
}

/** The `graph` query: the mission as it stands. */
export interface MissionGraph {
  missionId: string;
  status: 'running' | MissionStatus;
  startedAt: number;
  tasks: MissionTaskView[];
  decisions: DecisionRecord[];
  pending: PendingQuestion[];
  tokens: number;
  /** Children running now. */
  running: number;
  /** The most children that ran at once. */
  peakRunning: number;
  /** New child starts are held (`pause` signal). */
  paused?: boolean;
}

/** `completed`: every task completed; `partial`: some were abandoned or skipped. */
export type MissionStatus = 'completed' | 'partial' | 'cancelled';

export interface MissionResult {
  missionId: string;
  status: MissionStatus;
  /** Validated outputs of each completed task of the mission file and each hand-off (a split task: its merge step's). */
  outputs: Record<string, unknown[]>;
  tasks: MissionTaskView[];
  decisions: DecisionRecord[];
  tokens: number;
  durationMs: number;
  peakRunning: number;
}

export interface DecideRequest {
  taskId: string;
  decision: PersonDecision;
  role?: string;
  model?: string;
}

export const decideUpdate = defineUpdate<DecisionRecord | { accepted: true; taskId: string }, [DecideRequest]>('decide');
export const graphQuery = defineQuery<MissionGraph>('graph');

/** Holds new child starts (running children go on) until `resume`; sent by the tower or a client. */
export const pauseMissionSignal = defineSignal('pause');
export const resumeMissionSignal = defineSignal('resume');

/** Workflow id of a mission: `mission.<id>`. */
export function missionWorkflowId(missionId: string): string {
  return `mission.${missionId}`;
}

/** How a mission is started by any client: its id, queue, input, search attributes and summaries. */
export function missionStartOptions(input: MissionInput) {
  return {
    workflowId: missionWorkflowId(input.missionId),
    taskQueue: TASK_QUEUES.control,
    args: [input] as [MissionInput],
    typedSearchAttributes: [
      { key: SA.mission, value: input.missionId },
      { key: SA.role, value: 'supervisor' },
      { key: SA.status, value: 'running' },
    ],
    staticSummary: `mission ${input.missionId}: ${input.tasks.length} task(s)${input.goal ? ` — ${input.goal.slice(0, 100)}` : ''}`,
    staticDetails: `Supervises ${input.tasks.length} agent task(s), at most ${input.maxConcurrentTasks} at once.`,
  };
}
