/**
 * The control tower's contract with clients (CLI, users' scripts, schedules), with the missions it
 * starts (they report back by signal) and with the dashboard: its fixed id, limits, messages,
 * state, health snapshot and alerts. Workflow-safe: the tower workflow imports it too.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { MissionInputDraft } from './mission-spec';
import { TASK_QUEUES } from './task-queues';

export const TOWER_WORKFLOW = 'controlTower';

/** One tower per namespace, at this fixed workflow id. */
export const TOWER_WORKFLOW_ID = 'dreamos.control-tower';

const limitsSchema = z.strictObject({
  /** Agent tasks running at once across all missions the tower admitted. */
  maxConcurrentAgentTasks: z.number().int().min(1).max(10_000).default(8),
  /** The largest token budget one mission may ask for. */
  maxMissionTokens: z.number().int().min(100).default(5_000_000),
  /** Missions waiting for admission; a submission beyond this is rejected. */
  maxQueuedMissions: z.number().int().min(1).max(1_000).default(200),
  /** A running mission that reports no progress for this long raises a stuck-mission alert, ms. */
  stuckAfterMs: z.number().int().min(1_000).default(900_000),
  /** Time between two health observations, ms. */
  healthIntervalMs: z.number().int().min(500).max(3_600_000).default(30_000),
  /** Resolution rate of failure chains under which an alert is raised (with at least `minChainsForRate` chains in the last hour). */
  minResolutionRate: z.number().min(0).max(1).default(0.5),
  minChainsForRate: z.number().int().min(1).default(10),
  /** Continue as new after this many history events, or sooner when Temporal suggests it. */
  historyEventLimit: z.number().int().min(50).max(40_000).default(10_000),
});

export type TowerLimits = z.output<typeof limitsSchema>;
export type TowerLimitsDraft = z.input<typeof limitsSchema>;

/** Validates limits given by any client; the value with defaults, or `field: problem` lines. */
export function parseTowerLimits(input: unknown): { ok: true; value: TowerLimits } | { ok: false; issues: string[] } {
  const parsed = limitsSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => `limits.${i.path.map(String).join('.') || '(all)'}: ${i.message}`) };
}

/** 1 runs first, 5 last (as Temporal's own priority keys). */
export const PRIORITIES = [1, 2, 3, 4, 5] as const;
export const DEFAULT_PRIORITY = 3;

export type TowerMissionState = 'queued' | 'starting' | 'running' | 'paused' | 'completed' | 'partial' | 'cancelled' | 'failed';

/** A mission as the tower knows it. */
export interface TowerMission {
  missionId: string;
  workflowId: string;
  priority: number;
  state: TowerMissionState;
  /** Paused while queued: it is not admitted until resumed. */
  held?: boolean;
  /** Agent-task slots the mission holds while it runs (its maxConcurrentTasks, clamped to the global limit). */
  slots: number;
  tasks: number;
  /** Who submitted it: `cli`, `schedule:<id>`, a script's name. */
  source: string;
  submittedAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Last report from the mission (a task started or settled), or its start. */
  lastProgressAt: number;
  progress: MissionProgress;
  /** Why it failed to start or ended as it did. */
  reason?: string;
  /** Workflow to signal (`missionEnded`) when the mission ends, e.g. a scheduled run waiting for it. */
  notify?: string;
}

/** What a mission reports to the tower. */
export interface MissionProgress {
  settled: number;
  total: number;
  running: number;
  tokens: number;
  /** Questions waiting for a person. */
  asking: number;
  paused?: boolean;
}

export interface MissionReport {
  missionId: string;
  progress: MissionProgress;
  /** Set in the mission's last report. */
  ended?: 'completed' | 'partial' | 'cancelled';
}

/** Sent by a mission the tower started, at each change of its tasks and at its end. */
export const missionReportSignal = defineSignal<[MissionReport]>('missionReport');

/** Sent by the tower to a mission's `notify` workflow when the mission ends. */
export const missionEndedSignal = defineSignal<[{ missionId: string; state: TowerMissionState; reason?: string }]>('missionEnded');

export interface SubmitMissionRequest {
  /** The mission, as in a mission file after loading (`loadMissionFile`). */
  mission: MissionInputDraft;
  priority?: number;
  source?: string;
  notify?: string;
}

export interface SubmitMissionResult {
  missionId: string;
  workflowId: string;
  state: 'queued' | 'starting';
  /** 1-based place among the queued missions. */
  position?: number;
  slots: number;
  /** What the tower changed, e.g. a concurrency clamped to its global limit. */
  notes: string[];
}

/** Validated by the tower; rejected (nothing started) with every reason found. */
export const submitMissionUpdate = defineUpdate<SubmitMissionResult, [SubmitMissionRequest]>('submitMission');

export const MISSION_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type MissionAction = (typeof MISSION_ACTIONS)[number];

export const controlMissionUpdate = defineUpdate<TowerMission, [{ missionId: string; action: MissionAction }]>('controlMission');

/** Changes the limits (`dreamos tower limits`); validated like the input's. */
export const setTowerLimitsUpdate = defineUpdate<TowerLimits, [TowerLimitsDraft]>('setLimits');

export interface QueueHealth {
  queue: string;
  type: 'workflow' | 'activity';
  pollers: number;
  backlog: number;
  backlogAgeMs: number;
}

/** One observation of the swarm. */
export interface HealthSnapshot {
  at: number;
  queues: QueueHealth[];
  runningMissions: number;
  runningAgentTasks: number;
  /** Failure analytics over the last hour. */
  failures: { events: number; chains: number; resolved: number; resolutionRate: number | null };
  /** Raised now, newest first. */
  alerts: SwarmAlert[];
  /** What could not be observed (an unreachable store, an unknown queue). */
  gaps: string[];
}

export const ALERT_KINDS = ['stuck-mission', 'queue-without-pollers', 'low-resolution-rate'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** An alert: raised once when its condition starts, cleared once when it ends. */
export interface SwarmAlert {
  /** `<kind>:<subject>:<raisedAt>`: a retried or replayed write records it once. */
  key: string;
  kind: AlertKind;
  /** The mission id, the queue (`agents/activity`) or `swarm`. */
  subject: string;
  severity: 'warning' | 'critical';
  message: string;
  raisedAt: number;
  clearedAt?: number;
}

export interface TowerState {
  limits: TowerLimits;
  /** Slots held by running missions, of `limits.maxConcurrentAgentTasks`. */
  slotsInUse: number;
  /** Running and queued missions (queued in admission order), then the latest ended ones. */
  missions: TowerMission[];
  health?: HealthSnapshot;
  /** Runs of the tower so far (1 + continue-as-new count). */
  run: number;
  startedAt: number;
}

export const towerStateQuery = defineQuery<TowerState>('towerState');

/** Answers with the tower's state: what `dreamos up` and `dreamos tower start` send with update-with-start. */
export const attachUpdate = defineUpdate<TowerState, []>('attach');
export const healthQuery = defineQuery<HealthSnapshot | undefined>('health');

/** What the tower carries across continue-as-new. */
export interface TowerCarried {
  run: number;
  startedAt: number;
  /** Queued ones keep their validated input until they start. */
  missions: Array<TowerMission & { input?: unknown }>;
  health?: HealthSnapshot;
  alerts: SwarmAlert[];
}

export interface TowerInput {
  limits?: TowerLimitsDraft;
  carried?: TowerCarried;
}

/** Start options of the tower, for update-with-start: a second start attaches to the running one. */
export function towerStartOptions(limits: TowerLimitsDraft = {}) {
  return {
    workflowId: TOWER_WORKFLOW_ID,
    taskQueue: TASK_QUEUES.control,
    args: [{ limits }] as [TowerInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    staticSummary: 'control tower: mission intake, admission across missions, swarm health',
  };
}
