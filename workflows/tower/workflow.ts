import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { TowerActivities, TowerFigureActivities } from '../../activities/tower';
import { invalidWorkflowInput } from '../../src/contracts/failure-types';
import { MISSION_WORKFLOW, missionStartOptions, pauseMissionSignal, resumeMissionSignal } from '../../src/contracts/mission';
import { MissionInput, parseMissionInput } from '../../src/contracts/mission-spec';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import {
  attachUpdate,
  controlMissionUpdate,
  healthQuery,
  HealthSnapshot,
  MISSION_ACTIONS,
  missionEndedSignal,
  missionReportSignal,
  parseTowerLimits,
  PRIORITIES,
  DEFAULT_PRIORITY,
  setTowerLimitsUpdate,
  SubmitMissionRequest,
  submitMissionUpdate,
  SwarmAlert,
  TowerCarried,
  TowerInput,
  TowerLimits,
  TowerMission,
  TowerMissionState,
  TowerState,
  towerStateQuery,
} from '../../src/contracts/tower';
import { admissionOrder, holdsSlots, positionOf, slotsInUse, toAdmit } from './admission';
import { conditions, nextAlerts } from './alerts';

type Entry = TowerMission & { input?: MissionInput };

/** Ended missions the tower keeps listing (and carries across continue-as-new). */
const ENDED_KEPT = 50;

const { observeTower } = proxyActivities<TowerActivities>({
  taskQueue: TASK_QUEUES.control,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

/** The analytics store's owner may be away: a figure that cannot be read in time is a gap, not a stall. */
const { failureFigures } = proxyActivities<TowerFigureActivities>({
  taskQueue: TASK_QUEUES.nexus,
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5s' },
});

const { recordAlerts } = proxyActivities<{ recordAlerts(input: { alerts: SwarmAlert[] }): Promise<unknown> }>({
  taskQueue: TASK_QUEUES.nexus,
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: ['InvalidAlerts'] },
});

function invalid(message: string, issues: string[]): never {
  throw invalidWorkflowInput(`control tower input is invalid: ${message}. Fix: start it with {"limits": {...}} or no input (see \`dreamos tower start --help\` and src/contracts/tower.ts).`, { issues });
}

/** The input, checked at the boundary: any client may start the tower. No input means default limits. */
function validated(raw: unknown): { limits: TowerLimits; carried?: TowerCarried } {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) invalid(`(input): expected an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`, ['(input)']);
  const { limits, carried, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) invalid(unknown.map((field) => `${field}: unknown field (the tower takes limits only)`).join('; '), unknown);
  const parsed = parseTowerLimits(limits);
  if (!parsed.ok) invalid(parsed.issues.join('; '), parsed.issues);
  if (carried !== undefined && (typeof carried !== 'object' || carried === null || !Array.isArray((carried as TowerCarried).missions))) invalid('carried: not a tower state (it is written by the tower itself on continue-as-new)', ['carried']);
  return { limits: parsed.value, ...(carried ? { carried: carried as TowerCarried } : {}) };
}

/** Why a submission is refused; empty when it may be queued. Pure, so the update's validator uses it. */
function submissionIssues(request: SubmitMissionRequest, limits: TowerLimits, known: ReadonlyMap<string, Entry>): string[] {
  if (typeof request !== 'object' || request === null) return ['the request must be { mission, priority?, source?, notify? }'];
  const issues: string[] = [];
  const parsed = parseMissionInput(request.mission);
  if (!parsed.ok) issues.push(...parsed.issues.map((i) => `${i.path}: ${i.message}`));
  if (request.priority !== undefined && !(PRIORITIES as readonly unknown[]).includes(request.priority)) issues.push(`priority: ${String(request.priority)} is not one of ${PRIORITIES.join(', ')} (1 runs first)`);
  if (request.source !== undefined && (typeof request.source !== 'string' || request.source.length > 200)) issues.push('source: a string of at most 200 characters');
  if (request.notify !== undefined && (typeof request.notify !== 'string' || request.notify.length === 0)) issues.push('notify: a workflow id');
  if (!parsed.ok) return issues;
  const mission = parsed.value;
  const existing = known.get(mission.missionId);
  if (existing && (existing.state === 'queued' || holdsSlots(existing))) issues.push(`missionId: "${mission.missionId}" is already ${existing.state} in the tower; give the new mission another id`);
  if (mission.maxTokens > limits.maxMissionTokens) issues.push(`maxTokens: ${mission.maxTokens} is over the tower's budget per mission (${limits.maxMissionTokens})`);
  const queued = [...known.values()].filter((m) => m.state === 'queued').length;
  if (queued >= limits.maxQueuedMissions) issues.push(`the tower's queue is full (${queued} missions waiting, limit ${limits.maxQueuedMissions}); try again later`);
  return issues;
}

/**
 * The control tower: one always-on entity workflow per namespace (id `dreamos.control-tower`).
 * It takes missions (`submitMission` update, validated: nothing starts for a rejected one), admits
 * them against a global limit of agent tasks in priority order, starts each as a mission workflow
 * that outlives the tower's run (ABANDON) and reports back by signal, lets them be paused, resumed
 * and cancelled, and observes the swarm every interval (queues, running work, failure figures),
 * raising and clearing alerts. It continues as new when Temporal suggests it (or past its event
 * limit), once its handlers have finished, carrying its missions, health and alerts.
 */
export async function controlTower(raw: TowerInput): Promise<void> {
  const { limits: initialLimits, carried } = validated(raw);
  let limits = initialLimits;
  const run = (carried?.run ?? 0) + 1;
  const startedAt = carried?.startedAt ?? Date.now();
  const missions = new Map<string, Entry>((carried?.missions ?? []).map((m) => [m.missionId, m as Entry]));
  let health: HealthSnapshot | undefined = carried?.health;
  let alerts: SwarmAlert[] = carried?.alerts ?? [];
  let healthDue = true;
  let dirty = false;
  const inFlight = new Set<Promise<unknown>>();

  /** Work the loop must let finish before continuing as new. */
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => {
      inFlight.delete(promise);
      dirty = true;
    }).catch(() => undefined);
    return promise;
  };

  const view = (m: Entry): TowerMission => {
    const { input: _input, ...rest } = m;
    return rest;
  };
  const state = (): TowerState => {
    const order = admissionOrder(missions.values());
    const active = [...missions.values()].filter(holdsSlots).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    const ended = [...missions.values()].filter((m) => m.endedAt !== undefined).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    return { limits, slotsInUse: slotsInUse(missions.values()), missions: [...active, ...order, ...ended].map(view), ...(health ? { health } : {}), run, startedAt };
  };
  const publish = () => {
    const s = state();
    const count = (st: TowerMissionState) => s.missions.filter((m) => m.state === st).length;
    const lines = [
      `**${count('running') + count('starting')} running · ${count('paused')} paused · ${count('queued')} queued** · agent-task slots ${s.slotsInUse}/${limits.maxConcurrentAgentTasks}`,
      ...s.missions.filter((m) => m.endedAt === undefined).slice(0, 20).map((m) => `- ${m.missionId} (p${m.priority}, ${m.source}): ${m.state}${m.state === 'queued' ? ` #${positionOf(missions.values(), m.missionId)}` : ` ${m.progress.settled}/${m.progress.total}`}`),
      ...alerts.slice(0, 5).map((a) => `- ⚠ ${a.kind} ${a.subject}`),
    ];
    setCurrentDetails(lines.join('\n'));
  };

  function prune(): void {
    const ended = [...missions.values()].filter((m) => m.endedAt !== undefined).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    for (const m of ended.slice(ENDED_KEPT)) missions.delete(m.missionId);
  }

  /** A mission ended (its last report, a reconciliation, a cancel while queued, a failed start). */
  function finish(entry: Entry, endState: TowerMissionState, reason?: string): void {
    if (entry.endedAt !== undefined) return;
    entry.state = endState;
    entry.endedAt = Date.now();
    delete entry.input;
    if (reason) entry.reason = reason;
    if (entry.notify) {
      const notify = entry.notify;
      void track(getExternalWorkflowHandle(notify).signal(missionEndedSignal, { missionId: entry.missionId, state: endState, ...(reason ? { reason } : {}) })).catch((err: unknown) => log.warn('mission end not delivered', { notify, error: String(err) }));
    }
    prune();
    dirty = true;
  }

  function launch(entry: Entry): void {
    const input: MissionInput = { ...(entry.input as MissionInput), maxConcurrentTasks: entry.slots, reportTo: workflowInfo().workflowId };
    entry.state = 'starting';
    entry.startedAt = Date.now();
    entry.lastProgressAt = entry.startedAt;
    // ABANDON: the mission outlives this run of the tower (continue-as-new) and reports back by signal.
    void track(startChild(MISSION_WORKFLOW, { ...missionStartOptions(input), parentClosePolicy: ParentClosePolicy.ABANDON })).then(
      () => {
        delete entry.input;
        if (entry.state === 'starting') entry.state = entry.held ? 'paused' : 'running';
        if (entry.held) void track(getExternalWorkflowHandle(entry.workflowId).signal(pauseMissionSignal)).catch(() => undefined);
      },
      (err: unknown) => finish(entry, 'failed', `could not start ${entry.workflowId}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  function admit(): void {
    for (const entry of toAdmit(missions.values(), limits.maxConcurrentAgentTasks)) launch(entry);
  }

  async function observe(): Promise<void> {
    const now = Date.now();
    const running = [...missions.values()].filter((m) => m.state === 'running' || m.state === 'paused');
    const gaps: string[] = [];
    const [observed, figures] = await Promise.all([
      observeTower({ queues: Object.values(TASK_QUEUES), missionWorkflowIds: running.map((m) => m.workflowId) }),
      failureFigures({ now }).catch((err: unknown) => {
        gaps.push(`failure analytics: ${err instanceof Error ? err.message : String(err)}`);
        return { events: 0, chains: 0, resolved: 0, resolutionRate: null };
      }),
    ]);
    for (const closed of observed.closed) {
      const entry = running.find((m) => m.workflowId === closed.workflowId);
      if (!entry || entry.endedAt !== undefined) continue;
      const endState: TowerMissionState = closed.status === 'COMPLETED' ? 'completed' : closed.status === 'CANCELLED' || closed.status === 'CANCELED' ? 'cancelled' : 'failed';
      finish(entry, endState, `closed (${closed.status}) without a last report to the tower`);
    }
    const at = Date.now();
    const snapshotBase = { at, queues: observed.queues, runningMissions: observed.runningMissions, runningAgentTasks: observed.runningAgentTasks, failures: figures, gaps: [...observed.gaps, ...gaps] };
    const next = nextAlerts(at, alerts, conditions(at, limits, missions.values(), snapshotBase));
    alerts = next.active;
    health = { ...snapshotBase, alerts };
    const changed = [...next.raised, ...next.cleared];
    if (changed.length > 0) {
      for (const a of next.raised) log.warn('alert raised', { kind: a.kind, subject: a.subject, message: a.message });
      void track(recordAlerts({ alerts: changed })).catch((err: unknown) => log.warn('alerts not recorded', { error: String(err) }));
    }
    publish();
  }

  setHandler(towerStateQuery, state);
  setHandler(healthQuery, () => health);
  setHandler(attachUpdate, state);

  setHandler(
    submitMissionUpdate,
    (request) => {
      const parsed = parseMissionInput(request.mission);
      if (!parsed.ok) throw new Error('unreachable: validated');
      const mission = parsed.value;
      const slots = Math.min(mission.maxConcurrentTasks, limits.maxConcurrentAgentTasks);
      const notes = slots < mission.maxConcurrentTasks ? [`maxConcurrentTasks ${mission.maxConcurrentTasks} clamped to the tower's limit of ${limits.maxConcurrentAgentTasks} agent tasks`] : [];
      const now = Date.now();
      const entry: Entry = {
        missionId: mission.missionId,
        workflowId: missionStartOptions(mission).workflowId,
        priority: request.priority ?? DEFAULT_PRIORITY,
        state: 'queued',
        slots,
        tasks: mission.tasks.length,
        source: request.source ?? 'client',
        submittedAt: now,
        lastProgressAt: now,
        progress: { settled: 0, total: mission.tasks.length, running: 0, tokens: 0, asking: 0 },
        ...(request.notify ? { notify: request.notify } : {}),
        input: mission,
      };
      missions.set(mission.missionId, entry);
      admit();
      publish();
      dirty = true;
      const position = positionOf(missions.values(), mission.missionId);
      return { missionId: entry.missionId, workflowId: entry.workflowId, state: entry.state === 'queued' ? 'queued' : 'starting', ...(position ? { position } : {}), slots, notes };
    },
    {
      validator: (request) => {
        const issues = submissionIssues(request, limits, missions);
        if (issues.length > 0) throw new Error(`${issues.length} problem(s): ${issues.join('; ')}`);
      },
    },
  );

  setHandler(
    controlMissionUpdate,
    async ({ missionId, action }) => {
      const entry = missions.get(missionId) as Entry;
      const mission = getExternalWorkflowHandle(entry.workflowId);
      if (entry.state === 'queued') {
        if (action === 'cancel') finish(entry, 'cancelled', 'cancelled while queued');
        else entry.held = action === 'pause';
      } else if (action === 'cancel') {
        entry.reason = 'cancel requested through the tower';
        await mission.cancel();
      } else {
        entry.held = action === 'pause';
        await mission.signal(action === 'pause' ? pauseMissionSignal : resumeMissionSignal);
        entry.state = action === 'pause' ? 'paused' : 'running';
        entry.lastProgressAt = Date.now();
      }
      dirty = true;
      publish();
      return view(entry);
    },
    {
      validator: (request) => {
        if (typeof request !== 'object' || request === null) throw new Error('expected { missionId, action }');
        const { missionId, action } = request;
        if (!(MISSION_ACTIONS as readonly unknown[]).includes(action)) throw new Error(`unknown action "${String(action)}": use pause, resume or cancel`);
        const entry = missions.get(missionId);
        if (!entry) throw new Error(`the tower knows no mission "${String(missionId)}" (see \`dreamos tower status\`)`);
        if (entry.endedAt !== undefined) throw new Error(`mission ${missionId} has already ended (${entry.state})`);
        if (entry.state === 'starting') throw new Error(`mission ${missionId} is starting; try again in a moment`);
        if (action === 'pause' && (entry.held || entry.state === 'paused')) throw new Error(`mission ${missionId} is already paused`);
        if (action === 'resume' && !entry.held && entry.state !== 'paused') throw new Error(`mission ${missionId} is not paused`);
      },
    },
  );

  setHandler(
    setTowerLimitsUpdate,
    (draft) => {
      const parsed = parseTowerLimits({ ...limits, ...draft });
      if (!parsed.ok) throw new Error('unreachable: validated');
      limits = parsed.value;
      dirty = true;
      return limits;
    },
    {
      validator: (draft) => {
        const parsed = parseTowerLimits({ ...limits, ...(typeof draft === 'object' && draft !== null ? draft : {}) });
        if (!parsed.ok) throw new Error(parsed.issues.join('; '));
      },
    },
  );

  setHandler(missionReportSignal, (report) => {
    const entry = typeof report === 'object' && report !== null ? missions.get(report.missionId) : undefined;
    if (!entry || entry.endedAt !== undefined) return;
    entry.progress = report.progress;
    entry.lastProgressAt = Date.now();
    if (entry.state === 'starting') entry.state = 'running';
    if (report.ended) finish(entry, report.ended, entry.reason);
    dirty = true;
  });

  publish();
  for (;;) {
    admit();
    if (healthDue) {
      healthDue = false;
      // One timer per interval, started when an observation ends (a wake-up costs no timer of its own).
      void track(observe().catch((err: unknown) => log.warn('swarm not observed', { error: String(err) }))).finally(
        () =>
          void sleep(limits.healthIntervalMs).then(() => {
            healthDue = true;
            dirty = true;
          }),
      );
    }
    publish();
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= limits.historyEventLimit) {
      // Starts, signals and observations are this run's commands: they finish before the next run.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await condition(allHandlersFinished);
      prune();
      const next: TowerCarried = { run, startedAt, missions: [...missions.values()], ...(health ? { health } : {}), alerts };
      await continueAsNew<typeof controlTower>({ limits, carried: next });
    }
    dirty = false;
    await condition(() => dirty);
  }
}
