/**
 * The missions of a namespace as the dashboard shows them: running, queued in the control tower,
 * scheduled, and recently ended, each with its task graph (running: the `graph` query; ended: its
 * result). Read from Temporal only, bounded (at most `maxGraphs` graphs per read) and cached.
 */
import { Client, WorkflowFailedError } from '@temporalio/client';
import { graphQuery, MissionGraph, MissionResult } from '../contracts/mission';
import { errorMessage } from '../errors';
import { listMissions, ListedMission } from './mission-client';
import { queuedMissions } from './tower-client';

/** Workflow type of the runs a mission schedule starts (src/cli/schedule.ts, workflows/scheduled-mission). */
export const SCHEDULED_MISSION_WORKFLOW = 'scheduledMission';

export interface MissionRunView {
  missionId: string;
  workflowId: string;
  runId: string;
  /** Temporal's execution status (RUNNING, COMPLETED, FAILED, ...). */
  status: string;
  /** The mission's `DreamStatus` search attribute. */
  state?: string;
  startTime: number;
  closeTime?: number;
  /** Running: from the `graph` query; ended: from its result (no pending questions then). */
  graph?: MissionGraph;
  /** Why there is no graph: the query failed or timed out, the run failed, or the graph limit was reached. */
  graphMissing?: string;
}

export interface QueuedMissionView {
  missionId: string;
  workflowId: string;
  /** 1-based place in the tower's admission queue. */
  position: number;
  priority: number;
  tasks: number;
  source: string;
  submittedAt: number;
  /** Paused while queued. */
  held: boolean;
}

export interface ScheduledMissionView {
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRunAt?: number;
  lastRunAt?: number;
  /** What the schedule's memo says it runs, when it says. */
  missionId?: string;
}

export interface MissionsOverview {
  at: number;
  /** Whether Temporal answered the mission listing; false: every list is empty and `message` says why. */
  reachable: boolean;
  message?: string;
  running: MissionRunView[];
  queued: QueuedMissionView[];
  scheduled: ScheduledMissionView[];
  /** Closed in the last `recentMs`, latest first. */
  ended: MissionRunView[];
  /** Parts that could not be read while the rest could (the tower's queue, the schedules). */
  gaps: string[];
}

export type MissionsSource = () => Promise<MissionsOverview>;

export interface TemporalMissionsSourceOptions {
  client: Client;
  /** Missions listed per group (running, ended). Default 50. */
  maxMissions?: number;
  /** Graphs read per refresh, running missions first. Default 20. */
  maxGraphs?: number;
  /** How far back ended missions are listed, ms. Default 24 h. */
  recentMs?: number;
  /** An answer is reused for this long, ms. Default 3 s. */
  cacheMs?: number;
  /** Deadline of each Temporal call, ms. Default 4 s. */
  callTimeoutMs?: number;
}

const MAX_SCHEDULES = 100;
/** Results of ended runs never change: kept by run id, at most this many. */
const ENDED_GRAPHS_KEPT = 200;

function graphOfResult(result: MissionResult, startedAt: number): MissionGraph {
  return {
    missionId: result.missionId,
    status: result.status,
    startedAt,
    tasks: result.tasks,
    decisions: result.decisions,
    pending: [],
    tokens: result.tokens,
    running: 0,
    peakRunning: result.peakRunning,
  };
}

/** A source reading Temporal, with its answers cached for `cacheMs` and concurrent callers sharing one read. */
export function temporalMissionsSource(options: TemporalMissionsSourceOptions): MissionsSource {
  const { client } = options;
  const maxMissions = options.maxMissions ?? 50;
  const maxGraphs = options.maxGraphs ?? 20;
  const callTimeoutMs = options.callTimeoutMs ?? 4_000;
  const endedGraphs = new Map<string, Pick<MissionRunView, 'graph' | 'graphMissing'>>();
  const keepEnded = (runId: string, value: Pick<MissionRunView, 'graph' | 'graphMissing'>) => {
    endedGraphs.set(runId, value);
    if (endedGraphs.size > ENDED_GRAPHS_KEPT) endedGraphs.delete(endedGraphs.keys().next().value as string);
    return value;
  };
  const within = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + callTimeoutMs, fn);

  const graphOf = async (run: ListedMission): Promise<Pick<MissionRunView, 'graph' | 'graphMissing'>> => {
    const handle = client.workflow.getHandle<(input: unknown) => Promise<MissionResult>>(run.workflowId, run.runId);
    try {
      if (run.status === 'RUNNING') return { graph: await within(() => handle.query(graphQuery)) };
      const known = endedGraphs.get(run.runId);
      if (known) return known;
      return keepEnded(run.runId, { graph: graphOfResult(await within(() => handle.result()), run.startTime.getTime()) });
    } catch (err) {
      // A run that failed, was terminated or cancelled has no result, and never will; a timeout may pass.
      if (err instanceof WorkflowFailedError) return keepEnded(run.runId, { graphMissing: `the run ended ${run.status.toLowerCase()}: ${errorMessage(err.cause ?? err)}` });
      return { graphMissing: errorMessage(err) };
    }
  };

  const view = (run: ListedMission): MissionRunView => ({
    missionId: run.missionId,
    workflowId: run.workflowId,
    runId: run.runId,
    status: run.status,
    ...(run.state ? { state: run.state } : {}),
    startTime: run.startTime.getTime(),
    ...(run.closeTime ? { closeTime: run.closeTime.getTime() } : {}),
  });

  const queued = async (): Promise<QueuedMissionView[]> =>
    (await within(() => queuedMissions(client))).map((m) => ({
      missionId: m.missionId,
      workflowId: m.workflowId,
      position: m.position,
      priority: m.priority,
      tasks: m.tasks,
      source: m.source,
      submittedAt: m.submittedAt,
      held: m.held ?? false,
    }));

  const scheduled = async (): Promise<ScheduledMissionView[]> =>
    within(async () => {
      const found: ScheduledMissionView[] = [];
      for await (const s of client.schedule.list({ pageSize: MAX_SCHEDULES })) {
        if (s.action?.workflowType !== SCHEDULED_MISSION_WORKFLOW) continue;
        const last = s.info.recentActions.at(-1);
        const missionId = s.memo?.missionId;
        found.push({
          scheduleId: s.scheduleId,
          paused: s.state.paused,
          ...(s.state.note ? { note: s.state.note } : {}),
          ...(s.info.nextActionTimes[0] ? { nextRunAt: s.info.nextActionTimes[0].getTime() } : {}),
          ...(last ? { lastRunAt: last.takenAt.getTime() } : {}),
          ...(typeof missionId === 'string' ? { missionId } : {}),
        });
        if (found.length >= MAX_SCHEDULES) break;
      }
      return found.sort((a, b) => (a.nextRunAt ?? Infinity) - (b.nextRunAt ?? Infinity));
    });

  const read = async (): Promise<MissionsOverview> => {
    const at = Date.now();
    let running: ListedMission[];
    let ended: ListedMission[];
    try {
      const since = new Date(at - (options.recentMs ?? 86_400_000)).toISOString();
      [running, ended] = await Promise.all([
        within(() => listMissions(client, maxMissions, `ExecutionStatus = 'Running'`)),
        within(() => listMissions(client, maxMissions, `ExecutionStatus != 'Running' AND CloseTime > '${since}'`)),
      ]);
    } catch (err) {
      return { at, reachable: false, message: `Temporal did not answer: ${errorMessage(err)}`, running: [], queued: [], scheduled: [], ended: [], gaps: [] };
    }
    ended.sort((a, b) => (b.closeTime?.getTime() ?? 0) - (a.closeTime?.getTime() ?? 0));
    const gaps: string[] = [];
    const orEmpty = <T>(what: string, read: Promise<T[]>) =>
      read.catch((err: unknown) => {
        gaps.push(`${what}: ${errorMessage(err)}`);
        return [] as T[];
      });
    const runs = [...running, ...ended];
    const [graphs, queue, schedules] = await Promise.all([
      Promise.all(runs.map((run, i) => (i < maxGraphs ? graphOf(run) : Promise.resolve({ graphMissing: `only the first ${maxGraphs} missions' graphs are read` })))),
      orEmpty('control tower queue', queued()),
      orEmpty('schedules', scheduled()),
    ]);
    const views = runs.map((run, i) => ({ ...view(run), ...graphs[i] }));
    return { at, reachable: true, running: views.slice(0, running.length), queued: queue, scheduled: schedules, ended: views.slice(running.length), gaps };
  };

  const cacheMs = options.cacheMs ?? 3_000;
  let last: { settledAt?: number; answer: Promise<MissionsOverview> } | undefined;
  return () => {
    // A read in flight is shared; a finished one is reused for cacheMs.
    if (last && (last.settledAt === undefined || Date.now() - last.settledAt < cacheMs)) return last.answer;
    const current: { settledAt?: number; answer: Promise<MissionsOverview> } = { answer: read() };
    void current.answer.finally(() => (current.settledAt = Date.now()));
    last = current;
    return current.answer;
  };
}
