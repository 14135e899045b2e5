/**
 * A scheduled mission's contract: the `scheduledMission` workflow a Temporal Schedule starts at
 * each run, its input and result, the mission id each run derives from the file's, and the
 * activity that submits the run's mission through the control tower. Workflow-safe: the workflow,
 * the activity and the CLI import the same definitions; schemas stay private to this module.
 */
import { z } from 'zod';
import { InputIssue, MissionInput, parseMissionInput } from './mission-spec';
import type { TowerMissionState } from './tower';
import { DEFAULT_PRIORITY, PRIORITIES } from './tower';

export const SCHEDULED_MISSION_WORKFLOW = 'scheduledMission';

/** The submission was refused by the tower for a reason no retry changes (the run fails). */
export const SCHEDULED_MISSION_REJECTED = 'ScheduledMissionRejected';

/** The run's mission did not report its end within its deadline and the margin. */
export const SCHEDULED_MISSION_UNFINISHED = 'ScheduledMissionUnfinished';

/** Ids a mission may have (see mission-spec.ts): 80 characters at most. */
const MISSION_ID_MAX = 80;
/** `-yyyyMMddHHmmss`, appended to the file's mission id at each run. */
const RUN_SUFFIX_LENGTH = 15;
/** The longest mission id a schedule accepts: each run's id is this plus the run suffix. */
export const SCHEDULED_MISSION_ID_MAX = MISSION_ID_MAX - RUN_SUFFIX_LENGTH;

/**
 * How long a run waits for its mission beyond the mission's own deadline: a mission may queue in
 * the tower before it starts, and its deadline counts from its start.
 */
export const END_WAIT_MARGIN_MS = 30 * 60_000;

const scheduleIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'use 1-80 letters, digits, dots, dashes or underscores');

const inputSchema = z.strictObject({
  scheduleId: scheduleIdSchema,
  /** The mission as validated from its file; each run submits it under its own id. */
  mission: z.unknown(),
  priority: z.number().int().min(PRIORITIES[0]).max(PRIORITIES[PRIORITIES.length - 1]).default(DEFAULT_PRIORITY),
  endWaitMarginMs: z.number().int().min(0).max(7 * 86_400_000).default(END_WAIT_MARGIN_MS),
});

export interface ScheduledMissionInput {
  scheduleId: string;
  mission: MissionInput;
  /** 1 runs first, 5 last; default 3. */
  priority: number;
  /**
   * How long the run waits for its mission's end beyond the mission's deadline, ms (0 to 7 days);
   * default `END_WAIT_MARGIN_MS` (30 min). Past it the run fails `ScheduledMissionUnfinished`.
   */
  endWaitMarginMs?: number;
}

/** A run's input as validated: every default applied. */
export type ValidScheduledMissionInput = Required<ScheduledMissionInput>;

export interface ScheduledMissionResult {
  /** The run's mission id: the file's, with the run's start time. */
  missionId: string;
  state: TowerMissionState;
  reason?: string;
}

const pathOf = (path: readonly PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : '(input)');

/** Validates a scheduled run's input (any client may start the workflow): the value, or every issue found. */
export function parseScheduledMissionInput(input: unknown): { ok: true; value: ValidScheduledMissionInput } | { ok: false; issues: InputIssue[] } {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) };
  if (parsed.data.mission === undefined) return { ok: false, issues: [{ path: 'mission', message: 'required: the mission of the schedule' }] };
  const mission = parseMissionInput(parsed.data.mission);
  if (!mission.ok) return { ok: false, issues: mission.issues.map((i) => ({ path: `mission.${i.path}`, message: i.message })) };
  if (mission.value.missionId.length > SCHEDULED_MISSION_ID_MAX) {
    return { ok: false, issues: [{ path: 'mission.missionId', message: `at most ${SCHEDULED_MISSION_ID_MAX} characters: each run adds -yyyyMMddHHmmss to it` }] };
  }
  return { ok: true, value: { scheduleId: parsed.data.scheduleId, mission: mission.value, priority: parsed.data.priority, endWaitMarginMs: parsed.data.endWaitMarginMs } };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `<missionId>-<yyyyMMddHHmmss>` of the run's start (UTC): one mission id per run, the same on replay. */
export function runMissionId(missionId: string, runStart: Date): string {
  const t = runStart;
  return `${missionId}-${pad(t.getUTCFullYear(), 4)}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
}

/** The mission under the run's id: its tasks' `spec.missionId` follow (the mission schema requires it). */
export function missionForRun(mission: MissionInput, runId: string): MissionInput {
  return { ...mission, missionId: runId, tasks: mission.tasks.map((task) => ({ ...task, spec: { ...task.spec, missionId: runId } })) };
}

/** Where the run's mission came from, as the tower shows it (`source`). */
export function scheduleSource(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

/** Workflow id of a schedule's runs; Temporal appends each run's time (`-2026-12-01T22:00:00Z`). */
export function scheduledRunWorkflowId(scheduleId: string): string {
  return `scheduled.${scheduleId}`;
}

export interface SubmitScheduledMissionInput {
  scheduleId: string;
  mission: MissionInput;
  priority: number;
  /** The run's workflow id: the tower signals `missionEnded` to it. */
  notify: string;
}

/** The tower's answer: the mission is queued or starting, or (a retried submission) already ended. */
export interface SubmittedScheduledMission {
  missionId: string;
  workflowId: string;
  state: TowerMissionState;
  /** The tower already knew this run's mission: an earlier attempt of the activity submitted it. */
  alreadySubmitted: boolean;
  reason?: string;
}

/** Activities of the control worker that schedules' runs call. */
export interface ScheduleActivities {
  submitScheduledMission(input: SubmitScheduledMissionInput): Promise<SubmittedScheduledMission>;
}

/** Tower states after which a mission does not run again. */
export const ENDED_MISSION_STATES: readonly TowerMissionState[] = ['completed', 'partial', 'cancelled', 'failed'];
