/**
 * What the page's missions view and alerts panel get: the missions overview and the stored alerts,
 * with links into the Temporal Web UI and, for each pending question, the commands that answer it.
 */
import type { AlertStore } from '../analytics/alerts';
import { runUrl } from '../analytics/report';
import type { DecisionRecord, MissionTaskView, PendingQuestion } from '../contracts/mission';
import type { SwarmAlert } from '../contracts/tower';
import { TOWER_WORKFLOW_ID } from '../contracts/tower';
import type { MissionRunView, MissionsOverview, QueuedMissionView, ScheduledMissionView } from '../missions/overview';

export interface WebUi {
  temporalUiUrl: string;
  namespace: string;
}

const base = (ui: WebUi) => `${ui.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}`;

/** The Web UI's workflow list filtered to one workflow id: its runs, whatever their run ids. */
export function workflowListUrl(ui: WebUi, workflowId: string): string {
  return `${base(ui)}/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
}

/** The run's own page where its run id is known; else (a mission started before run ids were kept) the list of the id's runs. */
export function runLink(ui: WebUi, workflowId: string, runId: string | undefined): string {
  return runId ? runUrl(ui.temporalUiUrl, workflowId, runId, ui.namespace) : workflowListUrl(ui, workflowId);
}

export function scheduleUrl(ui: WebUi, scheduleId: string): string {
  return `${base(ui)}/schedules/${encodeURIComponent(scheduleId)}`;
}

/** The exact command a person runs to answer (`dreamos mission decide`). */
export function decideCommand(missionId: string, taskId: string, decision: string): string {
  return `dreamos mission decide ${missionId} ${taskId} ${decision}`;
}

export interface TaskRowView extends MissionTaskView {
  /** The task's runs (first to last), each linked. */
  runs: Array<{ workflowId: string; url: string }>;
}

export interface QuestionView extends PendingQuestion {
  /** One command per allowed decision, in the order allowed. */
  commands: string[];
}

export interface MissionView extends Omit<MissionRunView, 'graph'> {
  url: string;
  graph?: {
    status: string;
    tokens: number;
    running: number;
    paused: boolean;
    tasks: TaskRowView[];
    decisions: Array<DecisionRecord & { url: string }>;
    pending: QuestionView[];
  };
}

export interface MissionsPageView extends Omit<MissionsOverview, 'running' | 'ended' | 'queued' | 'scheduled'> {
  running: MissionView[];
  ended: MissionView[];
  queued: Array<QueuedMissionView & { url: string }>;
  scheduled: Array<ScheduledMissionView & { url: string }>;
  /** Questions waiting for a person across every running mission, oldest deadline first. */
  questions: Array<QuestionView & { missionId: string; url: string }>;
}

function missionView(ui: WebUi, run: MissionRunView): MissionView {
  const { graph, ...rest } = run;
  const view: MissionView = { ...rest, url: runLink(ui, run.workflowId, run.runId) };
  if (!graph) return view;
  // A decision names the run it was taken on: one of its task's runs.
  const runIds = new Map(graph.tasks.flatMap((t) => t.workflowIds.map((workflowId, i) => [workflowId, t.runIds?.[i]] as const)));
  return {
    ...view,
    graph: {
      status: graph.status,
      tokens: graph.tokens,
      running: graph.running,
      paused: graph.paused ?? false,
      tasks: graph.tasks.map((t) => ({ ...t, runs: t.workflowIds.map((workflowId, i) => ({ workflowId, url: runLink(ui, workflowId, t.runIds?.[i]) })) })),
      decisions: graph.decisions.map((d) => ({ ...d, url: runLink(ui, d.workflowId, runIds.get(d.workflowId)) })),
      pending: graph.pending.map((q) => ({ ...q, commands: q.allowed.map((decision) => decideCommand(run.missionId, q.taskId, decision)) })),
    },
  };
}

/** No Temporal client was given to the dashboard. */
export function missionsUnavailable(at: number): MissionsOverview {
  return { at, reachable: false, message: 'This dashboard has no Temporal client: missions are shown by the nexus worker (dreamos up) or `dreamos analytics dashboard`.', running: [], queued: [], scheduled: [], ended: [], gaps: [] };
}

export function missionsPageView(ui: WebUi, overview: MissionsOverview): MissionsPageView {
  const running = overview.running.map((run) => missionView(ui, run));
  const questions = running
    .flatMap((m) => (m.graph?.pending ?? []).map((q) => ({ ...q, missionId: m.missionId, url: m.url })))
    .sort((a, b) => a.deadline - b.deadline);
  return {
    ...overview,
    running,
    ended: overview.ended.map((run) => missionView(ui, run)),
    // The tower continues as new: the list of its runs shows the open one.
    queued: overview.queued.map((m) => ({ ...m, url: workflowListUrl(ui, TOWER_WORKFLOW_ID) })),
    scheduled: overview.scheduled.map((s) => ({ ...s, url: scheduleUrl(ui, s.scheduleId) })),
    questions,
  };
}

export interface AlertsView {
  /** Whether this dashboard reads an alert store. */
  stored: boolean;
  /** Raised and not cleared, newest first. */
  active: SwarmAlert[];
  /** Cleared since the window's start, latest cleared first. */
  cleared: SwarmAlert[];
}

export function alertsView(store: AlertStore | undefined, clearedSince: number): AlertsView {
  if (!store) return { stored: false, active: [], cleared: [] };
  return { stored: true, ...store.list({ clearedSince, limit: 100 }) };
}
