import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { PromptActivities } from '../activities/prompt';
import type { ChatMessage } from '../src/llm/provider';
import { NON_RETRYABLE_MODEL_FAILURES } from '../src/llm/errors';
import { reaskMessages, stepMessages } from '../src/healing/prompt';
import { validateOutput } from '../src/healing/validate';
import type { AgentTaskSpec } from '../src/tasks/spec';
import { SA } from './search-attributes';
import {
  AgentTaskInput,
  AgentTaskResult,
  AgentTaskState,
  amendGoalUpdate,
  Checkpoint,
  checkpointsQuery,
  ESCALATION_REQUIRED,
  EscalationContext,
  FailureKind,
  hintSignal,
  pauseSignal,
  PromptInput,
  PromptResult,
  resumeSignal,
  stateQuery,
} from './definitions';

/** The model call's durability contract: retried with backoff, a dead worker noticed by heartbeat. */
const PROMPT_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 5,
  nonRetryableErrorTypes: [...NON_RETRYABLE_MODEL_FAILURES],
};

const AGENTS_QUEUE = 'agents';
const RECENT_FAILURES_KEPT = 10;

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
  };
}

/** An in-flight repair of the current step: the conversation to send next. */
interface Repair {
  messages: ChatMessage[];
  base: ChatMessage[];
}

/**
 * One agent task: a loop of steps. Each step prompts the model (activity on `agents`),
 * validates the answer, and checkpoints stable state. Invalid answers are reasked with the
 * validation errors; repeated failure rolls back to the last checkpoint; a spent budget fails
 * the workflow with a non-retryable EscalationRequired carrying the task's context.
 */
export async function agentTask(input: AgentTaskInput): Promise<AgentTaskResult> {
  const spec = input.spec;
  const state = input.carried?.state ?? initialState(spec, Date.now());
  const checkpoints: Checkpoint[] = input.carried?.checkpoints ?? [{ id: 'cp-0', completedSteps: 0, at: Date.now() }];
  /** The repair conversation of the current step, if its last answer was invalid. */
  let repair: Repair | undefined;
  /** Set by a rollback; kept in the prompts until the next checkpoint. */
  let rollbackNote: string | undefined;
  let stepAttempt = 0;
  const { promptModel } = proxyActivities<PromptActivities>({
    taskQueue: AGENTS_QUEUE,
    startToCloseTimeout: spec.timeouts.promptMs,
    heartbeatTimeout: spec.timeouts.heartbeatMs,
    retry: PROMPT_RETRY,
  });

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
    ]);
    const summary =
      `${state.status} · step ${Math.min(state.step + 1, spec.steps)}/${spec.steps} · attempts ${state.attempts}` +
      ` · heals ${state.healAttempts} · rollbacks ${state.rollbacks} · tokens ${state.tokens}`;
    upsertMemo({ summary, goal: state.goal, outputSchema: spec.outputSchema });
    setCurrentDetails(`**${spec.role}** — ${state.goal}\n\n${summary}`);
  }

  function escalate(reason: EscalationContext['reason'], message: string): never {
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

  /** A new stable state: the rollback note (if any) has served its purpose. */
  function takeCheckpoint(): void {
    checkpoints.push({ id: `cp-${state.step}`, completedSteps: state.step, at: Date.now() });
    rollbackNote = undefined;
  }

  /** Returns to the last checkpoint: completed steps after it are dropped, the repair is abandoned. */
  function rollback(): string {
    if (state.rollbacks >= spec.budget.maxRollbacks) escalate('rollback-limit', `still failing after ${state.rollbacks} rollbacks`);
    setStatus('rolling-back');
    const target = checkpoints[checkpoints.length - 1];
    const kinds = [...new Set(state.recentFailures.slice(-state.consecutiveFailures).map((f) => f.kind))].join(', ');
    const failed = state.consecutiveFailures;
    state.records = state.records.slice(0, target.completedSteps);
    state.step = target.completedSteps;
    state.rollbacks += 1;
    state.consecutiveFailures = 0;
    setStatus('running');
    return `Resumed from checkpoint ${target.id} after ${failed} failed attempts (${kinds}). Take a different approach than before.`;
  }

  /** One model call; a transport failure (retries exhausted) is noted and yields undefined. */
  async function attemptPrompt(messages: ChatMessage[], attempt: number, purpose: PromptInput['purpose']): Promise<PromptResult | undefined> {
    try {
      return await callModel(messages, attempt, purpose);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) {
        noteFailure('model-rejected', cause.message, attempt);
        escalate('model-rejected', `the model endpoint rejected the request: ${cause.message}`);
      }
      noteFailure('model-transport', cause?.message ?? err.message, attempt);
      return undefined;
    }
  }

  async function callModel(messages: ChatMessage[], attempt: number, purpose: PromptInput['purpose']): Promise<PromptResult> {
    return promptModel.executeWithOptions({ summary: `step ${state.step + 1}/${spec.steps} · attempt ${attempt} · ${purpose}` }, [
      {
        workflowId: workflowInfo().workflowId,
        taskId: spec.taskId,
        missionId: spec.missionId,
        role: spec.role,
        step: state.step,
        attempt,
        purpose,
        messages,
        taskType: spec.outputSchema,
        model: spec.model.name,
        temperature: spec.model.temperature,
        sim: spec.model.sim,
      },
    ]);
  }

  publish();

  while (state.step < spec.steps) {
    await condition(() => state.status !== 'paused');
    const info = workflowInfo();
    if (!repair && (info.historyLength >= spec.continueAsNewAfterEvents || info.continueAsNewSuggested)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof agentTask>({
        spec: { ...spec, goal: state.goal },
        carried: { state: { ...state, run: state.run + 1 }, checkpoints: checkpoints.slice(-10) },
      });
    }
    const problem = budgetProblem();
    if (problem) escalate(...problem);

    state.attempts += 1;
    stepAttempt += 1;
    const base =
      repair?.base ??
      stepMessages({
        missionId: spec.missionId,
        role: spec.role,
        goal: state.goal,
        outputSchema: spec.outputSchema,
        step: state.step,
        steps: spec.steps,
        previousOutputs: state.records.map((r) => r.output),
        hints: state.hints,
        rollbackNote,
      });
    const purpose = repair ? 'reask' : rollbackNote ? 'after-rollback' : 'first';
    const answer = await attemptPrompt(repair?.messages ?? base, stepAttempt, purpose);
    if (answer) {
      state.tokens += answer.promptTokens + answer.completionTokens;
      const validation = validateOutput(spec.outputSchema, answer.text);
      if (validation.ok) {
        state.records.push({ step: state.step, output: validation.value, attempts: stepAttempt, tokens: answer.promptTokens + answer.completionTokens });
        state.step += 1;
        state.consecutiveFailures = 0;
        stepAttempt = 0;
        repair = undefined;
        if (state.step % spec.checkpointEvery === 0 || state.step === spec.steps) takeCheckpoint();
        publish();
        continue;
      }
      noteFailure(validation.kind, validation.errors.join('; '), stepAttempt);
      state.healAttempts += 1;
      repair = { base, messages: reaskMessages(base, answer.text, validation.errors) };
    }
    if (state.consecutiveFailures >= spec.budget.maxConsecutiveFailures) {
      rollbackNote = rollback();
      repair = undefined;
      stepAttempt = 0;
    }
    publish();
  }

  setStatus('completed');
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
