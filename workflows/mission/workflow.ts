import {
  CancellationScope,
  CancelledFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalyticsActivities } from '../../activities/analytics';
import type { GatheredContext, MissionActivities } from '../../activities/mission';
import { NEXUS_ACTIVITY_OPTIONS } from '../../src/contracts/activity-options';
import type { FailureEventInput } from '../../src/contracts/failure-events';
import { invalidWorkflowInput } from '../../src/contracts/failure-types';
import { DecideRequest, decideUpdate, DecisionRecord, graphQuery, MissionGraph, MissionResult, pauseMissionSignal, PendingQuestion, resumeMissionSignal } from '../../src/contracts/mission';
import { MissionReport, missionReportSignal } from '../../src/contracts/tower';
import { MissionInput, parseMissionInput, PERSON_DECISIONS, PersonDecision } from '../../src/contracts/mission-spec';
import { SA } from '../../src/contracts/search-attributes';
import { mergeSpec, reassigned, runSpec, splitParts } from './derive';
import { adviceWanted, Decision, DecisionInput, decideWithAdvice, personDecision } from './policy';
import { askAdvisor } from './advice';
import { ChildOutcome, runChild } from './children';
import { decided, ended, EventScope, handedOff, takenOver } from './events';
import { handoffRefusal, handoffSpec, handoffsOf, handoffTaskId, onwardRoles, withHandoffOffer } from './handoff';
import { currentDetails, isSettled, TaskNode, viewOf } from './state';

/**
 * Child runs one mission may start (first runs, retries, reassignments, split parts, merges): the
 * bound that keeps its history finite (about 10 events a run, well under Temporal's 50 000).
 */
export const MAX_CHILD_RUNS = 2_000;

/**
 * The mission's limits are checked once a task has its slot, not only before it waits for one (a
 * task waiting for a slot started children after the budget was spent). Runs started before it
 * keep the old check; see README, "Workflow versioning".
 */
const LIMITS_AT_SLOT = 'mission-limits-at-slot';
/** Marks the missions in which a person asked when stuck outranks the model's advice to abandon. */
const PERSON_OVER_ABANDON_ADVICE = 'mission-person-over-abandon-advice';
/**
 * Marks the missions that record the supervisor's events in the background: a decision's next run
 * starts without waiting for its events to be written (one activity less on a decided task's path).
 */
const EVENTS_IN_BACKGROUND = 'mission-events-in-background';
/**
 * Marks the missions whose tasks wait for a slot in a queue: a freed slot is handed to the first
 * waiter. Before, every waiter woke on every release and all but one waited again, so a mission
 * with hundreds of queued tasks spent most of its workflow-thread time (quadratic in the queue).
 */
const SLOT_QUEUE = 'mission-slot-queue';

function invalidInput(input: unknown): MissionInput {
  const parsed = parseMissionInput(input);
  if (parsed.ok) return parsed.value;
  const where = parsed.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
  throw invalidWorkflowInput(`Invalid mission input — ${where}. Fix: correct the field(s) named; \`dreamos submit <file>\` validates a mission file before it starts one.`, parsed.issues);
}

/**
 * Progress reports to the control tower that admitted the mission (`reportTo`), by signal: at most
 * one in flight, the latest state sent when it lands, so a burst of changes is one or two signals.
 * A tower that is gone costs a logged warning, never the mission.
 */
function towerReporter(input: MissionInput, progress: () => MissionReport['progress']) {
  const tower = input.reportTo ? getExternalWorkflowHandle(input.reportTo) : undefined;
  let sending: Promise<void> | undefined;
  let stale = false;
  const send = async (ended?: MissionReport['ended']) => {
    if (!tower) return;
    try {
      await tower.signal(missionReportSignal, { missionId: input.missionId, progress: progress(), ...(ended ? { ended } : {}) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('progress not reported to the tower', { tower: input.reportTo, error: String(err) });
    }
  };
  const pump = async () => {
    while (stale) {
      stale = false;
      await send();
    }
    sending = undefined;
  };
  return {
    changed(): void {
      if (!tower) return;
      stale = true;
      sending ??= CancellationScope.nonCancellable(pump);
    },
    async ended(status: MissionReport['ended']): Promise<void> {
      if (!tower) return;
      stale = false;
      if (sending) await sending;
      await send(status);
    },
  };
}

/**
 * A mission: one supervisor over its agent tasks. Each task runs as an agentTask child on the
 * agents queue once the tasks it depends on have completed (their outputs go into its goal; the
 * agent tasks keep them in mission memory), at most `maxConcurrentTasks` at once. A child that escalates, times out,
 * is terminated or fails is taken over: the supervisor gathers context (analytics, memory,
 * dependencies, siblings), decides with a pure policy — reassign, split, retry later, ask a person,
 * abandon — and acts. Nothing waits without a deadline; an abandoned task's dependents are
 * skipped and the mission ends `partial`.
 */
export async function mission(raw: MissionInput): Promise<MissionResult> {
  const input = invalidInput(raw);
  const info = workflowInfo();
  const startedAt = Date.now();
  const deadlineAt = startedAt + input.deadlineMs;
  const scope: EventScope = { missionId: input.missionId, workflowId: info.workflowId, runId: info.runId };
  const nodes = new Map<string, TaskNode>();
  for (const task of input.tasks) {
    const offer = task.handoffTo ? { spec: withHandoffOffer(task.spec, task.handoffTo), handoffTo: task.handoffTo } : { spec: task.spec };
    nodes.set(task.spec.taskId, { taskId: task.spec.taskId, ...offer, dependsOn: task.dependsOn, supervision: task.supervision, splitDepth: 0, state: 'waiting', runs: 0, workflowIds: [], runIds: [], decisions: [], assignments: 1, tokens: 0 });
  }
  const records: DecisionRecord[] = [];
  const pending = new Map<string, PendingQuestion>();
  const answers = new Map<string, DecideRequest>();
  const outbox: FailureEventInput[] = [];
  let tokens = 0;
  let running = 0;
  let peakRunning = 0;
  let childRuns = 0;
  let handoffsStarted = 0;
  /** The hand-off decision of each hand-off task, resolved when that task settles. */
  const handoffRecords = new Map<string, DecisionRecord>();
  let deadlinePassed = false;
  let paused = false;
  const work = new CancellationScope();

  const nexus = proxyActivities<MissionActivities & AnalyticsActivities>(NEXUS_ACTIVITY_OPTIONS);

  const graph = (status: MissionGraph['status'] = 'running'): MissionGraph => ({
    missionId: input.missionId,
    status,
    startedAt,
    tasks: [...nodes.values()].map(viewOf),
    decisions: records,
    pending: [...pending.values()],
    tokens,
    running,
    peakRunning,
    ...(paused ? { paused } : {}),
  });
  const report = towerReporter(input, () => ({
    settled: [...nodes.values()].filter(isSettled).length,
    total: nodes.size,
    running,
    tokens,
    asking: pending.size,
    ...(paused ? { paused } : {}),
  }));
  const publish = () => {
    setCurrentDetails(currentDetails(input.missionId, [...nodes.values()], [...pending.values()], records, tokens));
    report.changed();
  };

  setHandler(graphQuery, () => graph());
  setHandler(pauseMissionSignal, () => {
    paused = true;
    publish();
  });
  setHandler(resumeMissionSignal, () => {
    paused = false;
    handOverSlots();
    publish();
  });
  setHandler(
    decideUpdate,
    (request) => {
      answers.set(request.taskId, request);
      return { accepted: true as const, taskId: request.taskId };
    },
    {
      validator: (request) => {
        if (typeof request !== 'object' || request === null || typeof request.taskId !== 'string') throw new Error('decide needs { taskId, decision }');
        if (!nodes.has(request.taskId)) throw new Error(`unknown task "${request.taskId}" in mission ${input.missionId}`);
        const question = pending.get(request.taskId);
        if (!question) throw new Error(`no decision is pending for task "${request.taskId}" (state ${nodes.get(request.taskId)?.state})`);
        if (!question.allowed.includes(request.decision)) throw new Error(`decision "${String(request.decision)}" is not allowed for ${request.taskId}; use one of: ${question.allowed.join(', ')}`);
        if (answers.has(request.taskId)) throw new Error(`task "${request.taskId}" has already been decided`);
      },
    },
  );

  /** Records the outbox; false when the activity failed (the events are kept for the next flush). */
  async function flush(): Promise<boolean> {
    if (outbox.length === 0) return true;
    const events = outbox.splice(0, outbox.length);
    try {
      await nexus.recordFailureEvents({ events });
      return true;
    } catch (err) {
      outbox.unshift(...events);
      if (isCancellation(err)) throw err;
      log.warn('supervisor events not recorded; kept for the next flush', { error: String(err) });
      return false;
    }
  }

  /**
   * The background writer: one recordFailureEvents in flight at most, events pushed meanwhile go in
   * the next; it stops at a failure (the events wait for the next write). Not cancellable: a
   * cancelled mission still records what its supervisor did.
   */
  let writing: Promise<void> | undefined;
  function writeInBackground(): void {
    // With events waiting the first flush awaits its activity, so `writing` is cleared only after it is set.
    if (writing || outbox.length === 0) return;
    writing = CancellationScope.nonCancellable(async () => {
      try {
        while (outbox.length > 0 && (await flush()));
      } finally {
        writing = undefined;
      }
    });
  }

  /**
   * Records the events of what just happened (decisions, ends, hand-offs). Missions started before
   * EVENTS_IN_BACKGROUND wait for them here, as they did; later ones write them in the background
   * and the mission's end waits for the writer.
   */
  async function recordEvents(): Promise<void> {
    if (outbox.length === 0) return;
    if (patched(EVENTS_IN_BACKGROUND)) writeInBackground();
    else await flush();
  }

  function settle(node: TaskNode, state: 'completed' | 'abandoned' | 'skipped', reason?: string): void {
    node.state = state;
    if (reason) node.reason = reason;
    const last = lastDecision(node);
    if (last && last.outcome === 'pending') {
      last.outcome = state === 'completed' ? 'resolved' : 'abandoned';
      outbox.push(decided(scope, node.spec.role, last));
    }
    const handoff = handoffRecords.get(node.taskId);
    if (handoff) {
      handoff.outcome = state === 'completed' ? 'resolved' : 'abandoned';
      outbox.push(handedOff(scope, nodes.get(handoff.taskId)?.spec.role ?? node.spec.role, handoff));
    }
    if (node.decisions.length > 0 && state !== 'skipped') {
      outbox.push(ended(scope, node.taskId, node.spec.role, node.runs, Date.now(), state === 'completed' ? 'resolved' : 'abandoned', last && state === 'completed' ? `supervisor:${last.kind}` : undefined, reason ?? state));
    }
    publish();
  }

  function lastDecision(node: TaskNode): DecisionRecord | undefined {
    for (let i = records.length - 1; i >= 0; i -= 1) if (records[i].taskId === node.taskId && records[i].kind !== 'ask-person' && records[i].kind !== 'hand-off') return records[i];
    return undefined;
  }

  function limitReached(): string | undefined {
    if (Date.now() >= deadlineAt) return 'mission deadline passed';
    if (tokens >= input.maxTokens) return `mission token budget spent (${tokens}/${input.maxTokens})`;
    if (childRuns >= MAX_CHILD_RUNS) return `mission run limit reached (${MAX_CHILD_RUNS} child runs)`;
    return undefined;
  }

  function inputsOf(node: TaskNode) {
    return node.dependsOn.map((id) => {
      const dep = nodes.get(id) as TaskNode;
      return { taskId: id, role: dep.spec.role, outputs: dep.outputs ?? [] };
    });
  }

  /**
   * A completed task: its outputs feed its dependents' goals. They are in mission memory already:
   * the agent task writes every validated step to the mission namespace (`<task>.step-<n>`), so the
   * supervisor adds no memory write (one activity and a workflow task less per task).
   */
  async function complete(node: TaskNode, outputs: unknown[]): Promise<void> {
    node.outputs = outputs;
    settle(node, 'completed');
    await recordEvents();
    // A split's parts and merge step hand nothing off: the task they stand for does, with the merge's output.
    if (!node.parent) await handOff(node, outputs);
  }

  /**
   * Turns the follow-ups a completed task's outputs name into new tasks of the mission, each
   * depending on it (so it receives its output), within `maxHandoffs` and the mission's limits;
   * each is a `hand-off` decision, refused ones included. Runs them to their end.
   */
  async function handOff(origin: TaskNode, outputs: unknown[]): Promise<void> {
    const wanted = handoffsOf(outputs);
    if (wanted.length === 0) return;
    const started: TaskNode[] = [];
    wanted.forEach((handoff, i) => {
      const taskId = handoffTaskId(origin.taskId, i + 1);
      const refusal = handoffRefusal({ handoff, taskId, origin: origin.taskId, offered: origin.handoffTo, started: handoffsStarted, maxHandoffs: input.maxHandoffs, limit: limitReached() });
      if (!refusal) handoffsStarted += 1;
      const record: DecisionRecord = {
        taskId: origin.taskId,
        index: records.filter((r) => r.taskId === origin.taskId).length + 1,
        kind: 'hand-off',
        reason: refusal ? `refused: ${refusal}` : `its output names a follow-up for the ${handoff.role} (hand-off ${handoffsStarted}/${input.maxHandoffs})`,
        cause: `hand-off to ${handoff.role}`,
        workflowId: origin.workflowIds[origin.workflowIds.length - 1] ?? '',
        at: Date.now(),
        detail: `${taskId}: ${handoff.goal}`.slice(0, 300),
        outcome: refusal ? 'refused' : 'pending',
      };
      records.push(record);
      if (refusal) {
        outbox.push(handedOff(scope, origin.spec.role, record));
        return;
      }
      const onward = onwardRoles(origin.handoffTo, handoff.role);
      const node: TaskNode = { taskId, spec: handoffSpec(origin.spec, taskId, handoff, onward), dependsOn: [origin.taskId], supervision: origin.supervision, ...(onward ? { handoffTo: onward } : {}), handoffFrom: origin.taskId, splitDepth: 0, state: 'waiting', runs: 0, workflowIds: [], runIds: [], decisions: [], assignments: 1, tokens: 0 };
      nodes.set(taskId, node);
      handoffRecords.set(taskId, record);
      started.push(node);
    });
    publish();
    await recordEvents();
    await Promise.all(started.map(run));
  }

  /** Tasks waiting for a slot, first come first served (missions with SLOT_QUEUE). */
  const slotQueue: Array<{ granted: boolean }> = [];

  function occupySlot(): void {
    running += 1;
    peakRunning = Math.max(peakRunning, running);
  }

  /** Hands free slots to the first waiters: one wake-up a slot, not one a waiter. */
  function handOverSlots(): void {
    while (!paused && running < input.maxConcurrentTasks && slotQueue.length > 0) {
      occupySlot();
      (slotQueue.shift() as { granted: boolean }).granted = true;
    }
  }

  function releaseSlot(): void {
    running -= 1;
    handOverSlots();
  }

  /** Waits in the queue until `handOverSlots` gives this task a slot; a cancelled wait leaves the queue (or gives back a slot it was just handed). */
  async function queueForSlot(): Promise<void> {
    const waiter = { granted: false };
    slotQueue.push(waiter);
    try {
      await condition(() => waiter.granted);
    } catch (err) {
      const at = slotQueue.indexOf(waiter);
      if (at >= 0) slotQueue.splice(at, 1);
      else if (waiter.granted) releaseSlot();
      throw err;
    }
  }

  /**
   * Takes a slot under `maxConcurrentTasks` once one is free, unless a mission limit is reached by
   * then (the budget may have been spent while the task waited): checked and taken with no await
   * in between. A task that finds a slot free takes it at once; one that must wait queues for it
   * (missions before SLOT_QUEUE woke every waiter at each release, and the first to run took it).
   */
  async function takeSlot(node: TaskNode): Promise<string | undefined> {
    node.state = 'waiting';
    const atSlot = patched(LIMITS_AT_SLOT);
    const before = atSlot ? undefined : limitReached();
    if (before) return before;
    const free = running < input.maxConcurrentTasks && !paused && slotQueue.length === 0;
    if (!free && patched(SLOT_QUEUE)) {
      await queueForSlot();
      const limit = limitReached();
      if (limit) releaseSlot();
      return limit;
    }
    while (running >= input.maxConcurrentTasks || paused) await condition(() => running < input.maxConcurrentTasks && !paused);
    const limit = atSlot ? limitReached() : undefined;
    if (!limit) occupySlot();
    return limit;
  }

  /** Starts a run in the slot `takeSlot` took and waits for its end. */
  async function startRun(node: TaskNode): Promise<ChildOutcome> {
    node.runs += 1;
    childRuns += 1;
    node.state = 'running';
    publish();
    const spec = runSpec(node.spec, node.runs, inputsOf(node), input.maxTokens - tokens, node.note);
    try {
      const outcome = await runChild({ spec, ...(node.resume ? { resume: node.resume } : {}) }, node.supervision.childDeadlineMs, () => work.consideredCancelled, (workflowId, runId) => {
        node.workflowIds.push(workflowId);
        node.runIds.push(runId);
      });
      // Counted before the slot is released, so a task waiting for it sees the tokens spent.
      if (outcome.kind === 'completed') {
        node.tokens += outcome.result.tokens;
        tokens += outcome.result.tokens;
      }
      return outcome;
    } finally {
      releaseSlot();
    }
  }

  async function ask(node: TaskNode, decision: Extract<Decision, { kind: 'ask-person' }>): Promise<{ answer: DecideRequest; byPerson: boolean }> {
    const allowed = PERSON_DECISIONS.filter((d) => d !== 'split' || node.splitDepth < node.supervision.maxSplitDepth);
    const fallback: PersonDecision = allowed.includes(decision.fallback) ? decision.fallback : 'abandon';
    pending.set(node.taskId, { taskId: node.taskId, reason: decision.reason, allowed, fallback, deadline: Date.now() + decision.deadlineMs });
    node.state = 'asking';
    publish();
    const answered = decision.deadlineMs > 0 && (await condition(() => answers.has(node.taskId), decision.deadlineMs));
    pending.delete(node.taskId);
    const answer = answers.get(node.taskId);
    answers.delete(node.taskId);
    return answered && answer ? { answer, byPerson: true } : { answer: { taskId: node.taskId, decision: fallback }, byPerson: false };
  }

  /** Takes over a run that did not complete: gathers context, decides (asking a person if the policy says so), records the decision. */
  async function takeOver(node: TaskNode, outcome: Exclude<ChildOutcome, { kind: 'completed' }>): Promise<{ decision: Decision; record: DecisionRecord }> {
    node.state = 'deciding';
    const spent = outcome.context?.tokens ?? 0;
    node.tokens += spent;
    tokens += spent;
    const previous = lastDecision(node);
    if (previous && previous.outcome === 'pending') {
      previous.outcome = 'failed-again';
      outbox.push(decided(scope, node.spec.role, previous));
    }
    const cause = outcome.context?.reason ?? outcome.kind;
    const siblings = [...nodes.values()].filter((n) => n !== node && n.state === 'completed' && !n.parent).slice(0, 5);
    const context = await nexus.gatherEscalationContext({
      missionId: input.missionId,
      taskId: node.taskId,
      workflowIds: node.workflowIds,
      since: startedAt,
      ...(outcome.context ? { escalation: outcome.context } : {}),
      dependencyOutputs: Object.fromEntries(inputsOf(node).map((i) => [i.taskId, i.outputs.slice(-1)])),
      siblingOutputs: Object.fromEntries(siblings.map((n) => [n.taskId, (n.outputs ?? []).slice(-1)])),
    });
    outbox.push(takenOver(scope, node.taskId, node.spec.role, node.runs, Date.now(), context.failureClasses[0], `${cause}: ${outcome.message}`, spent));
    const policyInput: DecisionInput = {
      end: outcome.kind,
      escalationReason: outcome.context?.reason,
      failureClasses: context.failureClasses,
      history: node.decisions,
      usedAssignments: node.assignments,
      splitDepth: node.splitDepth,
      splittable: true,
      personAsked: false,
      tokensLeft: input.maxTokens - tokens,
      msLeft: deadlineAt - Date.now(),
      supervision: node.supervision,
    };
    const advice = await advise(node, policyInput, cause, context);
    const advised = advice?.advice ? { ...policyInput, advice: advice.advice, tokensLeft: input.maxTokens - tokens } : policyInput;
    let weighed = decideWithAdvice(advised);
    // Asked only where the rule changes the decision, so other missions record no marker.
    if (weighed.decision.kind === 'ask-person' && advised.advice?.kind === 'abandon' && !patched(PERSON_OVER_ABANDON_ADVICE)) weighed = decideWithAdvice({ ...advised, personOutranksAbandonAdvice: false });
    let decision = weighed.decision;
    let byPerson = false;
    const base = { taskId: node.taskId, cause, failureClass: context.failureClasses[0], workflowId: outcome.workflowId };
    if (decision.kind === 'ask-person') {
      const question: DecisionRecord = { ...base, index: node.decisions.length + 1, kind: 'ask-person', reason: decision.reason, at: Date.now(), detail: context.summary.slice(0, 300) };
      records.push(question);
      node.decisions.push('ask-person');
      const asked = await ask(node, decision);
      byPerson = asked.byPerson;
      question.outcome = 'resolved';
      question.detail = byPerson ? `answered ${asked.answer.decision}` : `no answer in time: default ${asked.answer.decision}`;
      decision = personDecision(asked.answer, policyInput);
      if (!byPerson) decision = { ...decision, reason: `default after the person's deadline (${decision.kind})` } as Decision;
    }
    const adviceRecord = advice && (weighed.advice ? { ...advice.record, verdict: weighed.advice.followed ? ('followed' as const) : ('overridden' as const), ...(weighed.advice.note ? { note: weighed.advice.note } : {}) } : advice.record);
    const record: DecisionRecord = { ...base, index: node.decisions.length + 1, kind: decision.kind, reason: decision.reason, at: Date.now(), outcome: 'pending', ...(byPerson ? { byPerson } : {}), ...(adviceRecord ? { advice: adviceRecord } : {}) };
    records.push(record);
    node.decisions.push(decision.kind);
    return { decision, record };
  }

  /**
   * The supervisor model's advice, when `supervision.advisor` is set and advice could change the
   * decision. Its tokens count in the mission's budget; a failed or invalid answer is kept as a record only.
   */
  async function advise(node: TaskNode, policyInput: DecisionInput, cause: string, context: GatheredContext) {
    const advisor = node.supervision.advisor;
    if (!advisor || !adviceWanted(policyInput)) return undefined;
    const s = node.supervision;
    const asked = await askAdvisor(
      advisor,
      {
        missionId: input.missionId,
        taskId: node.taskId,
        role: node.spec.role,
        goal: node.spec.goal,
        steps: node.spec.steps,
        cause,
        failureClasses: context.failureClasses,
        summary: context.summary,
        missionMemory: context.missionMemory,
        history: node.decisions,
        assignmentsLeft: s.reassignTo.slice(node.assignments - 1),
        splitDepth: node.splitDepth,
        maxSplitDepth: s.maxSplitDepth,
        splitParts: s.splitParts,
        tokensLeft: policyInput.tokensLeft,
        msLeft: policyInput.msLeft,
      },
      { workflowId: info.workflowId, model: node.spec.model.name, attempt: node.decisions.length + 1 },
    );
    tokens += asked.record.tokens;
    return asked;
  }

  /** Runs one task to its end: waits for its dependencies, runs children, takes over failed runs. */
  async function supervise(node: TaskNode): Promise<void> {
    await condition(() => node.dependsOn.every((id) => isSettled(nodes.get(id) as TaskNode)));
    const failed = node.dependsOn.map((id) => nodes.get(id) as TaskNode).find((dep) => dep.state !== 'completed');
    if (failed) return settle(node, 'skipped', `dependency ${failed.taskId} ${failed.state}${failed.reason ? ` (${failed.reason})` : ''}`);
    for (;;) {
      const limit = await takeSlot(node);
      if (limit) return settle(node, 'abandoned', limit);
      const outcome = await startRun(node);
      if (outcome.kind === 'completed') return complete(node, outcome.result.outputs);
      const { decision, record } = await takeOver(node, outcome);
      node.resume = undefined;
      node.note = undefined;
      switch (decision.kind) {
        case 'abandon':
          settle(node, 'abandoned', decision.reason);
          await recordEvents();
          return;
        case 'reassign':
          node.assignments += 1;
          node.spec = reassigned(node.spec, decision.to);
          node.resume = outcome.context?.resume;
          record.detail = `as ${node.spec.role}${decision.to.model ? ` on ${decision.to.model}` : ''}${node.resume ? `, resuming after ${node.resume.records.length} step(s)` : ''}`;
          break;
        case 'retry-later':
          record.detail = `after ${decision.delayMs} ms`;
          node.note = `Retry ${node.decisions.filter((k) => k === 'retry-later').length} after a transient failure (${record.cause}).`;
          node.state = 'backing-off';
          publish();
          await recordEvents();
          await sleep(Math.max(1, decision.delayMs));
          break;
        case 'split':
          record.detail = `${decision.parts} parts and a merge step`;
          await recordEvents();
          return split(node, decision.parts);
        case 'ask-person':
          throw new Error('unreachable: a person answers with another decision');
      }
      await recordEvents();
    }
  }

  /** Splits a task into parts and a merge step whose output stands for it. */
  async function split(node: TaskNode, count: number): Promise<void> {
    node.state = 'split';
    const child = (spec: TaskNode['spec'], dependsOn: string[]): TaskNode => ({ taskId: spec.taskId, spec, dependsOn, supervision: node.supervision, parent: node.taskId, splitDepth: node.splitDepth + 1, state: 'waiting', runs: 0, workflowIds: [], runIds: [], decisions: [], assignments: 1, tokens: 0 });
    const parts = splitParts(node.spec, count).map((spec) => child(spec, node.dependsOn));
    const merge = child(mergeSpec(node.spec, count), parts.map((p) => p.taskId));
    for (const n of [...parts, merge]) nodes.set(n.taskId, n);
    publish();
    await Promise.all([...parts, merge].map(run));
    if (merge.state === 'completed') return complete(node, merge.outputs ?? []);
    settle(node, 'abandoned', `split did not complete: ${merge.taskId} ${merge.state}${merge.reason ? ` (${merge.reason})` : ''}`);
    await recordEvents();
  }

  async function run(node: TaskNode): Promise<void> {
    try {
      await supervise(node);
    } catch (err) {
      if (!(isCancellation(err) && work.consideredCancelled)) throw err;
      if (!isSettled(node)) settle(node, 'abandoned', deadlinePassed ? 'mission deadline passed' : 'mission cancelled');
    }
  }

  publish();
  const timer = new CancellationScope();
  void timer.run(() => sleep(input.deadlineMs)).then(
    () => {
      deadlinePassed = true;
      work.cancel();
    },
    () => undefined,
  );
  try {
    await work.run(() => Promise.all(input.tasks.map((t) => run(nodes.get(t.spec.taskId) as TaskNode))));
  } finally {
    timer.cancel();
  }
  // The mission file's tasks and the hand-offs (a split's parts and merge step stand for their task).
  const fileTasks = [...nodes.values()].filter((n) => !n.parent);
  const cancelled = work.consideredCancelled && !deadlinePassed;
  const status = cancelled ? 'cancelled' : fileTasks.every((n) => n.state === 'completed') ? 'completed' : 'partial';
  await CancellationScope.nonCancellable(async () => {
    upsertSearchAttributes([{ key: SA.status, value: status }, { key: SA.tokens, value: tokens }]);
    if (writing) await writing;
    await flush();
    await report.ended(status);
  });
  publish();
  if (cancelled) throw new CancelledFailure(`mission ${input.missionId} cancelled`);
  return {
    missionId: input.missionId,
    status,
    outputs: Object.fromEntries(fileTasks.filter((n) => n.outputs).map((n) => [n.taskId, n.outputs as unknown[]])),
    tasks: [...nodes.values()].map(viewOf),
    decisions: records,
    tokens,
    durationMs: Date.now() - startedAt,
    peakRunning,
  };
}
