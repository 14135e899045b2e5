import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PromptActivities } from '../../activities/prompt';
import type { MemoryActivities, RecalledMemory } from '../../activities/memory';
import type { AnalyticsActivities, StrategyStatRow } from '../../activities/analytics';
import type { ChatMessage } from '../../src/llm/provider';
import { FailureRecorder } from './failure-recorder';
import { classifyFailure, FailureClass } from '../../src/contracts/failure-taxonomy';
import { reaskMessages, stepMessages, StepPromptInput } from '../../src/healing/prompt';
import { validateOutput, Validation } from '../../src/healing/validate';
import { repairLocally } from '../../src/healing/local-repair';
import { errorSignature, repeats } from '../../src/healing/signature';
import { applicableStrategies, fallbackModel, lowerTemperature, reask, regenerate, StrategyName, SubStep } from '../../src/healing/strategies';
import { assembleSubSteps, canDecompose, decompose, validateSubStep } from '../../src/healing/decompose';
import { chooseStrategy } from '../../src/healing/chooser';
import type { AgentTaskSpec } from '../../src/contracts/agent-task-spec';
import { SA } from '../../src/contracts/search-attributes';
import { ESCALATION_REQUIRED } from '../../src/contracts/failure-types';
import { modelCallOptions, NEXUS_ACTIVITY_OPTIONS } from '../../src/contracts/activity-options';
import {
  AgentTaskInput,
  AgentTaskResult,
  AgentTaskState,
  amendGoalUpdate,
  Checkpoint,
  checkpointsQuery,
  EscalationContext,
  FailureKind,
  hintSignal,
  pauseSignal,
  PromptInput,
  PromptResult,
  resumeSignal,
  stateQuery,
} from '../../src/contracts/agent-task';

/**
 * Runs before this patch recorded only model calls: no memory, no failure events, reask as the only
 * repair. Their histories (test/replay/histories) replay through the `!nexus` branches.
 */
const NEXUS_HEALER_PATCH = 'nexus-memory-analytics-healer';

/**
 * Since this patch a memory checkpoint is marked by the first write tagged with it (SQLiteMemory
 * does that), not by a `checkpointMemory` call: two activities fewer per step.
 */
const MEMORY_TAG_MARKS_PATCH = 'memory-marks-by-tag';

/**
 * Since this patch the task does not upsert its search attributes and memo at start (the client
 * sets role, mission and status when it starts the task) nor after its last step (completion
 * does): each upsert is a history event and a visibility write.
 */
const LEAN_PUBLISH_PATCH = 'lean-publish';

/**
 * Stands for the three patches above, so a new task records one patch marker instead of three.
 * Each marker also upserts the TemporalChangeVersion search attribute: two history events and a
 * visibility write per patch, at the start of every task.
 */
const AGENT_TASK_V5_PATCH = 'agent-task-v5';

/**
 * Since this patch a rollback also deletes the facts the dropped steps gave the mission namespace,
 * so neither this agent's next prompt nor another agent's is told about work that was undone. It
 * is checked only when a rollback drops completed steps, so other runs record no marker for it.
 */
const FORGET_DROPPED_FACTS_PATCH = 'forget-dropped-facts';

const RECENT_FAILURES_KEPT = 10;
const MEMORY_RECALL_LIMIT = 8;
const MEMORY_PROMPT_CHARS = 1_500;
const MEMORY_CONTENT_CHARS = 600;

function initialState(spec: AgentTaskSpec, now: number): AgentTaskState {
  return {
    status: 'running',
    goal: spec.goal,
    step: 0,
    records: [],
    attempts: 0,
    healAttempts: 0,
    consecutiveFailures: 0,
    rollbacks: 0,
    tokens: 0,
    hints: [],
    recentFailures: [],
    startedAt: now,
    run: 1,
    temperature: spec.model.temperature,
    model: spec.model.name,
    strategies: {},
  };
}

/** An in-flight repair of the current step: what to send next, and why. */
interface Repair {
  /** `retry` is the naive baseline: the identical prompt again. */
  strategy: StrategyName | 'retry';
  note: string;
  /** The step prompt the repair started from (a regenerate replaces it). */
  base: ChatMessage[];
  /** The conversation to send; for `decompose`, the parts to ask one by one instead. */
  messages: ChatMessage[];
  subSteps?: SubStep[];
}

/**
 * One agent task: a loop of steps. Each step recalls memory (activity on `nexus`), prompts the
 * model (activity on `agents`), validates the answer, remembers what it produced and checkpoints
 * the stable state. An invalid answer is healed: local repair where safe, then the strategy the
 * healer chooses from the failure analytics (reask, regenerate, lower temperature, fallback
 * model, decompose, rollback), climbing the ladder when the same error repeats. Repeated failure
 * rolls the task and its memory back to the last checkpoint; a spent budget fails the workflow
 * with a non-retryable EscalationRequired carrying the task's context. Every failure, heal
 * attempt, rollback and escalation is recorded in the failure analytics store.
 */
export async function agentTask(input: AgentTaskInput): Promise<AgentTaskResult> {
  const spec = input.spec;
  const carried = input.carried;
  const state: AgentTaskState = { ...initialState(spec, Date.now()), ...carried?.state };
  const checkpoints: Checkpoint[] = carried?.checkpoints ?? [{ id: 'cp-0', completedSteps: 0, at: Date.now() }];
  // Histories recorded before a patch replay without its marker, so each check falls through to the older ones.
  const v5 = patched(AGENT_TASK_V5_PATCH);
  const nexus = v5 || patched(NEXUS_HEALER_PATCH);
  const tagMarks = v5 || (nexus && patched(MEMORY_TAG_MARKS_PATCH));
  const lean = v5 || (tagMarks && patched(LEAN_PUBLISH_PATCH));
  const info = workflowInfo();
  const agentNamespace = `agent:${spec.missionId}:${spec.taskId}`;
  const missionNamespace = `mission:${spec.missionId}`;
  const recorder = new FailureRecorder(
    { missionId: spec.missionId, workflowId: info.workflowId, runId: info.runId, role: spec.role, model: spec.model.name ?? 'default' },
    carried?.recorder,
  );
  /** The repair of the current step, if its last answer was invalid. */
  let repair: Repair | undefined;
  /** Set by a rollback; kept in the prompts until the next checkpoint. */
  let rollbackNote: string | undefined = carried?.rollbackNote;
  let stepAttempt = 0;
  /** Strategies and error signatures of the current step, for the chooser's loop detection. */
  let triedThisStep: StrategyName[] = [];
  let signatures: string[] = [];
  let usedModels: string[] = [];
  /** Strategy outcomes from the analytics store, fetched at the task's first failure. */
  let stats: StrategyStatRow[] | undefined;

  const { promptModel } = proxyActivities<PromptActivities>(modelCallOptions(spec.timeouts));
  const memory = proxyActivities<MemoryActivities>(NEXUS_ACTIVITY_OPTIONS);
  const analytics = proxyActivities<AnalyticsActivities>(NEXUS_ACTIVITY_OPTIONS);

  setHandler(stateQuery, () => state);
  setHandler(checkpointsQuery, () => checkpoints);
  setHandler(pauseSignal, () => {
    if (state.status === 'running') setStatus('paused');
  });
  setHandler(resumeSignal, () => {
    if (state.status === 'paused') setStatus('running');
  });
  setHandler(hintSignal, (hint) => {
    state.hints.push(hint);
  });
  setHandler(
    amendGoalUpdate,
    (goal) => {
      state.goal = goal.trim();
      publish();
      return state;
    },
    {
      validator: (goal) => {
        if (typeof goal !== 'string' || goal.trim() === '') throw new Error('amendGoal needs a non-empty goal');
        if (state.status === 'completed' || state.status === 'escalated') throw new Error(`task is already ${state.status}`);
      },
    },
  );

  function setStatus(status: AgentTaskState['status']): void {
    state.status = status;
    publish();
  }

  function publish(): void {
    upsertSearchAttributes([
      { key: SA.role, value: spec.role },
      { key: SA.mission, value: spec.missionId },
      { key: SA.status, value: state.status },
      { key: SA.healAttempts, value: state.healAttempts },
      { key: SA.escalated, value: state.status === 'escalated' },
      ...(nexus ? [{ key: SA.tokens, value: state.tokens }] : []),
    ]);
    const summary =
      `${state.status} · step ${Math.min(state.step + 1, spec.steps)}/${spec.steps} · attempts ${state.attempts}` +
      ` · heals ${state.healAttempts} · rollbacks ${state.rollbacks} · tokens ${state.tokens}`;
    const strategies = Object.entries(state.strategies ?? {})
      .map(([name, tally]) => `${name} ${tally.healed}/${tally.tried}`)
      .join(', ');
    upsertMemo({ summary, goal: state.goal, outputSchema: spec.outputSchema, ...(nexus ? { tokens: state.tokens, strategies } : {}) });
    setCurrentDetails(`**${spec.role}** — ${state.goal}\n\n${summary}${strategies ? `\n\nrepairs (healed/tried): ${strategies}` : ''}`);
  }

  /**
   * Whether failure events wait to be sent. Callers check it before awaiting flushEvents: every
   * promise a workflow creates costs the sandbox a captured stack trace, so a step awaits only real work.
   */
  function eventsPending(): boolean {
    return nexus && recorder.pendingCount > 0;
  }

  /** Sends the failure events gathered so far to the analytics store (idempotent by event key). */
  async function flushEvents(): Promise<void> {
    const events = recorder.drain();
    try {
      await analytics.recordFailureEvents({ events });
    } catch (err) {
      recorder.restore(events);
      log.warn('failure events not recorded; kept for the next flush', { error: String(err) });
    }
  }

  async function escalate(reason: EscalationContext['reason'], message: string): Promise<never> {
    setStatus('escalated');
    const last = checkpoints[checkpoints.length - 1];
    const context: EscalationContext = {
      taskId: spec.taskId,
      missionId: spec.missionId,
      role: spec.role,
      reason,
      step: state.step,
      attempts: state.attempts,
      healAttempts: state.healAttempts,
      rollbacks: state.rollbacks,
      tokens: state.tokens,
      lastCheckpoint: last ? { id: last.id, completedSteps: last.completedSteps } : undefined,
      recentFailures: state.recentFailures,
    };
    if (nexus) {
      recorder.escalation(state.step, { attempt: stepAttempt, message: `${reason}: ${message}`, tokens: state.tokens });
      for (const step of recorder.state().open) recorder.abandoned(step, { attempt: stepAttempt, message: reason });
      if (eventsPending()) await flushEvents();
    }
    throw ApplicationFailure.create({ type: ESCALATION_REQUIRED, nonRetryable: true, message: `${spec.taskId}: ${message}`, details: [context] });
  }

  function budgetProblem(): [EscalationContext['reason'], string] | undefined {
    const { budget } = spec;
    if (state.attempts >= budget.maxAttempts) return ['attempt-budget', `attempt budget spent (${state.attempts}/${budget.maxAttempts})`];
    if (state.tokens >= budget.maxTokens) return ['token-budget', `token budget spent (${state.tokens}/${budget.maxTokens})`];
    if (Date.now() - state.startedAt >= budget.maxDurationMs) return ['time-budget', `time budget spent (${budget.maxDurationMs} ms)`];
    return undefined;
  }

  function noteFailure(kind: FailureKind, message: string, attempt: number): void {
    state.recentFailures = [...state.recentFailures, { step: state.step, attempt, kind, message }].slice(-RECENT_FAILURES_KEPT);
    state.consecutiveFailures += 1;
  }

  function startStep(): void {
    stepAttempt = 0;
    repair = undefined;
    triedThisStep = [];
    signatures = [];
    usedModels = [];
  }

  /**
   * Marks the memory state of a checkpoint, so a rollback can return to it. With tag marks naming it
   * is enough (the writes after it carry its id); only older histories mark it by an activity, whose
   * promise is returned for the caller to await.
   */
  function checkpointMemory(checkpoint: Checkpoint): Promise<void> | undefined {
    if (!nexus) return undefined;
    // Unique per task run chain and rollback, as a re-run of the same task id shares its namespace.
    checkpoint.memoryId = tagMarks ? `${info.firstExecutionRunId}:${checkpoint.id}.r${state.rollbacks}` : `${checkpoint.id}.r${state.rollbacks}`;
    if (tagMarks) return undefined;
    return memory.checkpointMemory({ namespaces: [agentNamespace], checkpointId: checkpoint.memoryId, idempotencyKey: `${info.workflowId}/${checkpoint.memoryId}` });
  }

  /** A new stable state: the rollback note (if any) has served its purpose. Returns checkpointMemory's promise, if any. */
  function takeCheckpoint(): Promise<void> | undefined {
    const checkpoint: Checkpoint = { id: `cp-${state.step}`, completedSteps: state.step, at: Date.now() };
    checkpoints.push(checkpoint);
    rollbackNote = undefined;
    return checkpointMemory(checkpoint);
  }

  /** Returns the task and its memory to the last checkpoint; completed steps after it are dropped. */
  async function rollback(): Promise<void> {
    if (state.rollbacks >= spec.budget.maxRollbacks) await escalate('rollback-limit', `still failing after ${state.rollbacks} rollbacks`);
    setStatus('rolling-back');
    const target = checkpoints[checkpoints.length - 1];
    const kinds = [...new Set(state.recentFailures.slice(-state.consecutiveFailures).map((f) => f.kind))].join(', ');
    const failed = state.consecutiveFailures;
    const failedStep = state.step;
    state.records = state.records.slice(0, target.completedSteps);
    state.step = target.completedSteps;
    state.rollbacks += 1;
    state.consecutiveFailures = 0;
    rollbackNote = `Resumed from checkpoint ${target.id} after ${failed} failed attempts (${kinds}). Take a different approach than before.`;
    if (nexus) {
      recorder.rollback(failedStep, { attempt: stepAttempt, message: `to ${target.id} after ${failed} failed attempts (${kinds})` });
      if (target.memoryId) {
        const idempotencyKey = `${info.workflowId}/rollback-${state.rollbacks}`;
        // Nothing written since the checkpoint means the memory is already there (and no mark exists).
        if (!tagMarks || target.memoryWritten) await memory.rollbackMemory({ namespaces: [agentNamespace], checkpointId: target.memoryId, idempotencyKey });
        const dropped = Array.from({ length: failedStep - target.completedSteps }, (_, i) => target.completedSteps + i);
        const forget = dropped.length > 0 && patched(FORGET_DROPPED_FACTS_PATCH) ? dropped.map((step) => ({ namespace: missionNamespace, key: factKey(step) })) : [];
        // The diagnostic note goes into memory too, so later prompts (and other tools) see why.
        await memory.rememberStep({
          idempotencyKey: `${idempotencyKey}/note`,
          checkpointId: target.memoryId,
          writes: [{ namespace: agentNamespace, kind: 'short', role: 'system', content: rollbackNote, tags: ['rollback'], importance: 0.8 }],
          ...(forget.length > 0 ? { forget } : {}),
        });
        target.memoryWritten = true;
      }
      if (eventsPending()) await flushEvents();
    }
    startStep();
    setStatus('running');
  }

  /** The memories to put into the step prompt: this agent's and the mission's, most relevant first. */
  async function recall(): Promise<string[]> {
    if (!nexus) return [];
    let recalled: RecalledMemory[];
    try {
      // Ranked by importance, then recency: rollback notes first, then the mission's facts and this agent's turns.
      recalled = await memory.recallMemory({ namespaces: [agentNamespace, missionNamespace], limit: MEMORY_RECALL_LIMIT, maxChars: MEMORY_PROMPT_CHARS });
    } catch (err) {
      log.warn('memory recall failed; prompting without memory', { error: String(err) });
      return [];
    }
    return recalled.map((m) => (m.namespace === missionNamespace ? `[mission] ${m.content}` : m.content));
  }

  /** The mission namespace's key of the fact step `step` (0-based) leaves. */
  function factKey(step: number): string {
    return `${spec.taskId}.step-${step + 1}`;
  }

  /** What a completed step leaves behind: a turn for this agent, a fact for the whole mission. */
  async function remember(output: unknown): Promise<void> {
    if (!nexus) return;
    const text = JSON.stringify(output);
    const content = text.length > MEMORY_CONTENT_CHARS ? `${text.slice(0, MEMORY_CONTENT_CHARS - 3)}...` : text;
    const last = checkpoints[checkpoints.length - 1];
    await memory.rememberStep({
      idempotencyKey: `${info.workflowId}/step-${state.step}/attempt-${state.attempts}`,
      checkpointId: last.memoryId ?? last.id,
      writes: [
        { namespace: agentNamespace, kind: 'short', role: 'assistant', content: `Step ${state.step + 1} (${spec.outputSchema}): ${content}`, tags: [spec.outputSchema] },
        {
          namespace: missionNamespace,
          kind: 'long',
          key: factKey(state.step),
          content: `${spec.role} (${spec.taskId}) step ${state.step + 1}: ${content}`,
          tags: [spec.role, spec.outputSchema],
          importance: 0.6,
        },
      ],
    });
    last.memoryWritten = true;
  }

  function promptInput(memories: string[]): StepPromptInput {
    return {
      missionId: spec.missionId,
      role: spec.role,
      goal: state.goal,
      outputSchema: spec.outputSchema,
      step: state.step,
      steps: spec.steps,
      previousOutputs: state.records.map((r) => r.output),
      hints: state.hints,
      rollbackNote,
      memory: memories,
    };
  }

  /** One model call; a transport failure (retries exhausted) is noted and yields undefined. */
  async function attemptPrompt(messages: ChatMessage[], purpose: PromptInput['purpose']): Promise<PromptResult | undefined> {
    try {
      return await callModel(messages, purpose);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      const failureClass = classifyFailure({
        applicationType: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined,
        timeoutType: cause instanceof TimeoutFailure ? String(cause.timeoutType) : undefined,
        message: cause?.message,
      });
      if (nexus) recorder.failure(state.step, { kind: 'activity-failure', attempt: stepAttempt, failureClass, message: cause?.message ?? err.message, model: state.model });
      if (cause instanceof ApplicationFailure && cause.nonRetryable) {
        noteFailure('model-rejected', cause.message, stepAttempt);
        await escalate('model-rejected', `the model endpoint rejected the request: ${cause.message}`);
      }
      noteFailure('model-transport', cause?.message ?? err.message, stepAttempt);
      return undefined;
    }
  }

  function callModel(messages: ChatMessage[], purpose: PromptInput['purpose']): Promise<PromptResult> {
    const healing = repair ? ` · ${repair.note}` : '';
    return promptModel.executeWithOptions({ summary: `step ${state.step + 1}/${spec.steps} · attempt ${stepAttempt} · ${purpose}${healing}` }, [
      {
        workflowId: info.workflowId,
        taskId: spec.taskId,
        missionId: spec.missionId,
        role: spec.role,
        step: state.step,
        attempt: stepAttempt,
        purpose,
        messages,
        taskType: spec.outputSchema,
        model: state.model ?? spec.model.name,
        temperature: state.temperature ?? spec.model.temperature,
        sim: spec.model.sim,
        ...(repair ? { strategy: repair.strategy, healNote: repair.note } : {}),
      },
    ]);
  }

  /** A decomposed step: each part asked for on its own, then assembled into one answer. */
  async function promptParts(subSteps: SubStep[]): Promise<{ text: string; tokens: number; validation: Validation } | undefined> {
    const parts: Record<string, unknown> = {};
    let tokens = 0;
    for (const part of subSteps) {
      const answer = await attemptPrompt(part.messages, 'decompose');
      if (!answer) return undefined;
      tokens += answer.promptTokens + answer.completionTokens;
      const validation = validateSubStep(spec.outputSchema, part.field, answer.text);
      if (!validation.ok) return { text: answer.text, tokens, validation };
      parts[part.field] = validation.value;
    }
    const validation = assembleSubSteps(spec.outputSchema, parts);
    return { text: JSON.stringify(parts), tokens, validation };
  }

  function tally(strategy: string, healed: boolean): void {
    const strategies = (state.strategies ??= {});
    const entry = (strategies[strategy] ??= { tried: 0, healed: 0 });
    entry.tried += 1;
    if (healed) entry.healed += 1;
  }

  /** Records the outcome of the repair that produced this answer. */
  function closeRepair(healed: boolean, tokens: number): void {
    if (!repair) return;
    tally(repair.strategy, healed);
    if (nexus) recorder.healAttempt(state.step, { attempt: stepAttempt, strategy: repair.strategy, healed, tokens, model: state.model, message: repair.note });
  }

  async function completeStep(output: unknown, tokens: number): Promise<void> {
    await remember(output);
    state.records.push({ step: state.step, output, attempts: stepAttempt, tokens });
    if (nexus && recorder.isOpen(state.step)) recorder.resolved(state.step, { attempt: stepAttempt, tokens });
    state.step += 1;
    state.consecutiveFailures = 0;
    startStep();
    if (state.step % spec.checkpointEvery === 0 || state.step === spec.steps) {
      const marking = takeCheckpoint();
      if (marking) await marking;
    }
    if (eventsPending()) await flushEvents();
    if (!lean || state.step < spec.steps) publish();
  }

  /**
   * Picks and prepares the next repair of an invalid answer. Local repair is tried first where it
   * applies: it costs no model call and invents nothing. Returns the repaired output if that worked.
   */
  async function heal(base: ChatMessage[], memories: string[], rawAnswer: string, failureClass: FailureClass, errors: string[]): Promise<unknown> {
    if (!nexus) {
      repair = { strategy: 'reask', note: 'reask with the validation errors', base, messages: reaskMessages(base, rawAnswer, errors) };
      return undefined;
    }
    if (spec.healing === 'retry') {
      repair = { strategy: 'retry', note: 'retry the same prompt', base, messages: base };
      return undefined;
    }
    const context = {
      temperature: state.temperature ?? spec.model.temperature,
      fallbacksLeft: fallbackModel(state.model ?? 'default', spec.model.fallbacks ?? [], usedModels) ? 1 : 0,
      canDecompose: canDecompose(spec.outputSchema),
    };
    const applicable = applicableStrategies(failureClass, context);
    // Free and never inventive, so tried on every invalid answer, reask answers included.
    if (applicable.includes('local-repair')) {
      if (!triedThisStep.includes('local-repair')) triedThisStep.push('local-repair');
      const repaired = repairLocally(rawAnswer, spec.outputSchema);
      tally('local-repair', repaired !== undefined);
      recorder.healAttempt(state.step, { attempt: stepAttempt, strategy: 'local-repair', healed: repaired !== undefined, model: state.model, message: repaired?.changes.join('; ') ?? 'nothing safe to repair' });
      const validation = repaired ? validateOutput(spec.outputSchema, repaired.text) : undefined;
      if (validation?.ok) return validation.value;
    }
    // At the consecutive-failure limit the task rolls back: a repair chosen now would never run.
    if (state.consecutiveFailures >= spec.budget.maxConsecutiveFailures) return undefined;
    const signature = errorSignature(failureClass, errors);
    signatures.push(signature);
    stats ??= await analytics.strategyStats({});
    const choice = chooseStrategy({
      failureClass,
      role: spec.role,
      model: state.model ?? 'default',
      // Local repair already ran on this answer; a rollback is the consecutive-failure rule's call,
      // or the chooser's answer once every repair is spent (it has no stats of its own to compete with).
      applicable: applicable.filter((s) => s !== 'local-repair' && s !== 'rollback'),
      triedThisStep,
      signatureRepeats: repeats(signatures, signature),
      stats,
      explorationRoll: Math.random(),
    });
    triedThisStep.push(choice.strategy);
    log.info('healer chose a strategy', { step: state.step, failureClass, strategy: choice.strategy, reason: choice.reason });
    const note = (detail: string) => `${choice.strategy}: ${detail} (${choice.reason})`;
    switch (choice.strategy) {
      case 'reask': {
        const plan = reask(base, rawAnswer, errors);
        repair = { strategy: 'reask', note: note(plan.note), base, messages: plan.messages ?? base };
        break;
      }
      case 'regenerate': {
        const plan = regenerate(promptInput(memories), errors);
        const messages = plan.messages ?? base;
        repair = { strategy: 'regenerate', note: note(plan.note), base: messages, messages };
        break;
      }
      case 'lower-temperature': {
        const plan = lowerTemperature(context.temperature);
        state.temperature = plan?.temperature ?? 0;
        repair = { strategy: 'lower-temperature', note: note(plan?.note ?? 'temperature 0'), base, messages: base };
        break;
      }
      case 'fallback-model': {
        const plan = fallbackModel(state.model ?? 'default', spec.model.fallbacks ?? [], usedModels);
        if (plan?.model) {
          usedModels.push(plan.model);
          state.model = plan.model;
        }
        repair = { strategy: 'fallback-model', note: note(plan?.note ?? 'no fallback left'), base, messages: base };
        break;
      }
      case 'decompose': {
        const plan = decompose(promptInput(memories));
        repair = { strategy: 'decompose', note: note(plan.note), base, messages: base, subSteps: plan.subSteps };
        break;
      }
      case 'rollback':
        await rollback();
        break;
    }
    return undefined;
  }

  if (!lean || carried) publish();
  if (nexus && !carried) {
    const marking = checkpointMemory(checkpoints[0]);
    if (marking) await marking;
  }

  let memories: string[] = [];
  while (state.step < spec.steps) {
    if (state.status === 'paused') await condition(() => state.status !== 'paused');
    const history = workflowInfo();
    if (!repair && (history.historyLength >= spec.continueAsNewAfterEvents || history.continueAsNewSuggested)) {
      if (eventsPending()) await flushEvents();
      await condition(allHandlersFinished);
      return continueAsNew<typeof agentTask>({
        spec: { ...spec, goal: state.goal },
        carried: { state: { ...state, run: state.run + 1 }, checkpoints: checkpoints.slice(-10), recorder: recorder.state(), rollbackNote },
      });
    }
    const problem = budgetProblem();
    if (problem) await escalate(...problem);

    state.attempts += 1;
    stepAttempt += 1;
    if (!repair) memories = await recall();
    const base = repair?.base ?? stepMessages(promptInput(memories));
    const purpose: PromptInput['purpose'] = repair ? (repair.subSteps ? 'decompose' : 'reask') : rollbackNote ? 'after-rollback' : 'first';
    let answer: { text: string; tokens: number; validation: Validation } | undefined;
    if (repair?.subSteps) {
      answer = await promptParts(repair.subSteps);
    } else {
      const result = await attemptPrompt(repair?.messages ?? base, purpose);
      if (result) {
        const tokens = result.promptTokens + result.completionTokens;
        answer = { text: result.text, tokens, validation: validateOutput(spec.outputSchema, result.text) };
      }
    }
    if (answer) {
      state.tokens += answer.tokens;
      const { validation } = answer;
      closeRepair(validation.ok, answer.tokens);
      if (validation.ok) {
        await completeStep(validation.value, answer.tokens);
        continue;
      }
      const failureClass = classifyFailure({ validationKind: validation.kind, message: answer.text });
      noteFailure(validation.kind, validation.errors.join('; '), stepAttempt);
      if (nexus) recorder.failure(state.step, { kind: 'validation-failure', attempt: stepAttempt, failureClass, message: validation.errors.join('; '), tokens: answer.tokens, model: state.model });
      state.healAttempts += 1;
      const rollbacksBefore = state.rollbacks;
      const healed = await heal(base, memories, answer.text, failureClass, validation.errors);
      if (healed !== undefined) {
        await completeStep(healed, answer.tokens);
        continue;
      }
      if (state.rollbacks !== rollbacksBefore) {
        publish();
        continue;
      }
    }
    if (state.consecutiveFailures >= spec.budget.maxConsecutiveFailures) await rollback();
    if (eventsPending()) await flushEvents();
    publish();
  }

  setStatus('completed');
  if (eventsPending()) await flushEvents();
  return {
    taskId: spec.taskId,
    missionId: spec.missionId,
    role: spec.role,
    outputs: state.records.map((r) => r.output),
    attempts: state.attempts,
    healAttempts: state.healAttempts,
    rollbacks: state.rollbacks,
    tokens: state.tokens,
    runs: state.run,
  };
}
