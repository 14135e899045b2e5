/**
 * Mission schedules on Temporal Schedules: each run starts a `scheduledMission` workflow on the
 * control queue, which submits the mission through the control tower and stays open until it ends;
 * the overlap policy skips a run while the previous one is still open.
 */
import { Client, isGrpcServiceError, ScheduleAlreadyRunning, ScheduleDescription, ScheduleHandle, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { DreamError } from '../errors';
import type { MissionInput } from '../contracts/mission-spec';
import { TASK_QUEUES } from '../contracts/task-queues';
import { SCHEDULED_MISSION_ID_MAX, SCHEDULED_MISSION_WORKFLOW, ScheduledMissionInput, scheduledRunWorkflowId } from '../contracts/scheduled-mission';
import { describeScheduleSpec, MissionScheduleSpec } from './schedule-spec';

export interface MissionScheduleRequest {
  scheduleId: string;
  spec: MissionScheduleSpec;
  mission: MissionInput;
  priority: number;
  paused?: boolean;
  /** The mission file, shown by `list`. */
  file?: string;
}

/** What `create` stores beside the schedule for `list` (memo). */
export interface MissionScheduleMemo {
  missionId: string;
  priority: number;
  spec: string;
  file?: string;
}

/** A mission schedule as `list` shows it. */
export interface MissionScheduleView {
  scheduleId: string;
  memo: Partial<MissionScheduleMemo>;
  paused: boolean;
  note?: string;
  nextRuns: Date[];
  runs: number;
  skippedOverlap: number;
  /** Workflow ids of runs still open (at most one: overlap skip). */
  running: string[];
  lastRunAt?: Date;
}

const GRPC_INVALID_ARGUMENT = 3;

/** The server's reason for refusing a spec: the SDK rethrows "Invalid schedule spec" as a TypeError. */
function invalidArgument(err: unknown): string | undefined {
  if (err instanceof TypeError) return err.message;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e) && e.code === GRPC_INVALID_ARGUMENT) return e.details || e.message;
  }
  return undefined;
}

function notFound(scheduleId: string, err: unknown): never {
  if (err instanceof ScheduleNotFoundError) {
    throw new DreamError('SCHEDULE_NOT_FOUND', `No schedule with id ${scheduleId}.`, 'See `dreamos schedule list` for the ids of the mission schedules.', { cause: err });
  }
  throw err;
}

/** The file's mission id must leave room for each run's `-yyyyMMddHHmmss`. */
export function checkScheduledMissionId(mission: MissionInput, file: string): void {
  if (mission.missionId.length > SCHEDULED_MISSION_ID_MAX) {
    throw new DreamError('SCHEDULE_MISSION_ID_TOO_LONG', `${file}: mission id "${mission.missionId}" has ${mission.missionId.length} characters; a scheduled mission's has at most ${SCHEDULED_MISSION_ID_MAX}, since each run adds -yyyyMMddHHmmss to it.`, `Shorten the mission id in ${file}.`);
  }
}

/** Creates the schedule; a taken id or a spec the server refuses is a DreamError. */
export async function createMissionSchedule(client: Client, request: MissionScheduleRequest): Promise<ScheduleHandle> {
  const { scheduleId, spec, mission, priority } = request;
  const input: ScheduledMissionInput = { scheduleId, mission, priority };
  const memo: MissionScheduleMemo = { missionId: mission.missionId, priority, spec: describeScheduleSpec(spec), ...(request.file ? { file: request.file } : {}) };
  try {
    return await client.schedule.create({
      scheduleId,
      spec: spec.kind === 'every' ? { intervals: [{ every: spec.everyMs }] } : { cronExpressions: [spec.cron] },
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_MISSION_WORKFLOW,
        workflowId: scheduledRunWorkflowId(scheduleId),
        taskQueue: TASK_QUEUES.control,
        args: [input],
        staticSummary: `scheduled run of mission ${mission.missionId} (schedule ${scheduleId})`,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { paused: request.paused ?? false, ...(request.paused ? { note: 'created paused' } : {}) },
      memo: { ...memo },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new DreamError('SCHEDULE_EXISTS', `A schedule with id ${scheduleId} already exists.`, `Give another id with --id, or remove it first: \`dreamos schedule delete ${scheduleId}\`.`, { cause: err });
    }
    const refused = invalidArgument(err);
    if (refused) throw new DreamError('SCHEDULE_SPEC_INVALID', `Temporal refused the schedule ${describeScheduleSpec(spec)}: ${refused}`, 'Correct --every or --cron (e.g. --every 1h, --cron "0 9 * * 1-5").', { cause: err });
    throw err;
  }
}

/** A schedule that exists, or SCHEDULE_NOT_FOUND. */
export async function describeMissionSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription> {
  const handle = client.schedule.getHandle(scheduleId);
  const description = await handle.describe().catch((err: unknown) => notFound(scheduleId, err));
  if (description.action.workflowType !== SCHEDULED_MISSION_WORKFLOW) {
    throw new DreamError('SCHEDULE_NOT_A_MISSION', `Schedule ${scheduleId} starts ${description.action.workflowType} workflows, not scheduled missions.`, 'Manage it with `temporal schedule`; `dreamos schedule` manages mission schedules only.');
  }
  return description;
}

export function viewOf(scheduleId: string, description: ScheduleDescription): MissionScheduleView {
  const { info, state } = description;
  return {
    scheduleId,
    memo: (description.memo ?? {}) as Partial<MissionScheduleMemo>,
    paused: state.paused,
    ...(state.note ? { note: state.note } : {}),
    nextRuns: info.nextActionTimes,
    runs: info.numActionsTaken,
    skippedOverlap: info.numActionsSkippedOverlap,
    running: info.runningActions.map((a) => a.workflow.workflowId),
    ...(info.recentActions.length > 0 ? { lastRunAt: info.recentActions[info.recentActions.length - 1].takenAt } : {}),
  };
}

/** Every mission schedule of the namespace, each described in full (listing alone is eventually consistent). */
export async function listMissionSchedules(client: Client): Promise<MissionScheduleView[]> {
  const views: MissionScheduleView[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.action?.workflowType !== SCHEDULED_MISSION_WORKFLOW) continue;
    try {
      views.push(viewOf(summary.scheduleId, await client.schedule.getHandle(summary.scheduleId).describe()));
    } catch (err) {
      // Deleted between the listing and the description.
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return views.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export type ScheduleAction = 'pause' | 'unpause' | 'trigger' | 'delete';

/** Pauses, unpauses, triggers or deletes a mission schedule; returns its description from before. */
export async function actOnMissionSchedule(client: Client, scheduleId: string, action: ScheduleAction, note?: string): Promise<ScheduleDescription> {
  const before = await describeMissionSchedule(client, scheduleId);
  const handle = client.schedule.getHandle(scheduleId);
  try {
    if (action === 'pause') await handle.pause(note);
    else if (action === 'unpause') await handle.unpause(note);
    // The SDK triggers with ALLOW_ALL unless told: a second run of the schedule would then start
    // beside the open one, untracked by the schedule. Skip, as for scheduled times.
    else if (action === 'trigger') await handle.trigger(ScheduleOverlapPolicy.SKIP);
    else await handle.delete();
  } catch (err) {
    notFound(scheduleId, err);
  }
  return before;
}
