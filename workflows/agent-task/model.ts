import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { PromptActivities } from '../../activities/prompt';
import { modelCallOptions } from '../../src/contracts/activity-options';
import type { PromptInput } from '../../src/contracts/agent-task';
import { classifyFailure } from '../../src/contracts/failure-taxonomy';
import { assembleSubSteps, validateSubStep } from '../../src/healing/decompose';
import type { SubStep } from '../../src/healing/strategies';
import { validateOutput, Validation } from '../../src/healing/validate';
import type { ChatMessage } from '../../src/llm/provider';
import { noteFailure, TaskRun } from './task';

/** A model call that failed after Temporal's retries, as a value the loop acts on. */
export type CallFailure =
  /** A later attempt may get through (timeouts, rate limits, outages). */
  | { kind: 'transport-failure' }
  /** The endpoint refused the request in a way no retry changes. */
  | { kind: 'rejected'; message: string };

/** How one attempt at a step's answer ended. */
export type Answer = { kind: 'answer'; text: string; tokens: number; validation: Validation } | CallFailure;

type Reply = { kind: 'reply'; text: string; tokens: number };

async function call(task: TaskRun, messages: ChatMessage[], purpose: PromptInput['purpose']): Promise<Reply | CallFailure> {
  const { spec, state, current } = task;
  const { promptModel } = proxyActivities<PromptActivities>(modelCallOptions(spec.timeouts));
  const healing = current.repair ? ` · ${current.repair.note}` : '';
  const input: PromptInput = {
    workflowId: task.workflowId,
    taskId: spec.taskId,
    missionId: spec.missionId,
    role: spec.role,
    step: state.step,
    attempt: current.attempt,
    purpose,
    messages,
    taskType: spec.outputSchema,
    model: state.model ?? spec.model.name,
    temperature: state.temperature ?? spec.model.temperature,
    sim: spec.model.sim,
    ...(current.repair ? { strategy: current.repair.strategy, healNote: current.repair.note } : {}),
  };
  try {
    const result = await promptModel.executeWithOptions({ summary: `step ${state.step + 1}/${spec.steps} · attempt ${current.attempt} · ${purpose}${healing}` }, [input]);
    return { kind: 'reply', text: result.text, tokens: result.promptTokens + result.completionTokens };
  } catch (err) {
    return failedCall(task, err);
  }
}

/** A model call that failed for good: recorded, and turned into the answer the loop acts on. */
function failedCall(task: TaskRun, err: unknown): CallFailure {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  const message = cause?.message ?? err.message;
  const failureClass = classifyFailure({
    applicationType: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined,
    timeoutType: cause instanceof TimeoutFailure ? String(cause.timeoutType) : undefined,
    message: cause?.message,
  });
  task.recorder.failure(task.state.step, { kind: 'activity-failure', attempt: task.current.attempt, failureClass, message, model: task.state.model });
  if (cause instanceof ApplicationFailure && cause.nonRetryable) {
    noteFailure(task, 'model-rejected', cause.message);
    return { kind: 'rejected', message: `the model endpoint rejected the request: ${cause.message}` };
  }
  noteFailure(task, 'model-transport', message);
  return { kind: 'transport-failure' };
}

/** One model call for the whole step, its answer validated against the task's output schema. */
export async function askModel(task: TaskRun, messages: ChatMessage[], purpose: PromptInput['purpose']): Promise<Answer> {
  const reply = await call(task, messages, purpose);
  if (reply.kind !== 'reply') return reply;
  return { kind: 'answer', text: reply.text, tokens: reply.tokens, validation: validateOutput(task.spec.outputSchema, reply.text) };
}

/** A decomposed step: each part asked for on its own, then assembled into one answer. */
export async function askInParts(task: TaskRun, subSteps: SubStep[]): Promise<Answer> {
  const schema = task.spec.outputSchema;
  const parts: Record<string, unknown> = {};
  let tokens = 0;
  for (const part of subSteps) {
    const reply = await call(task, part.messages, 'decompose');
    if (reply.kind !== 'reply') return reply;
    tokens += reply.tokens;
    const validation = validateSubStep(schema, part.field, reply.text);
    if (!validation.ok) return { kind: 'answer', text: reply.text, tokens, validation };
    parts[part.field] = validation.value;
  }
  return { kind: 'answer', text: JSON.stringify(parts), tokens, validation: assembleSubSteps(schema, parts) };
}
