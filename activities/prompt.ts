import { ApplicationFailure, Context } from '@temporalio/activity';
import { logger } from '../src/logger';
import { ModelError, ModelProvider } from '../src/llm';
import { MODEL_FAILURE_TYPES } from '../src/contracts/failure-types';
import type { PromptInput, PromptResult } from '../src/contracts/agent-task';

/** How often the prompt activity heartbeats while it waits for the model. */
const HEARTBEAT_EVERY_MS = 1_000;

function toFailure(err: ModelError): ApplicationFailure {
  return ApplicationFailure.create({
    type: MODEL_FAILURE_TYPES[err.kind],
    message: `${err.message} (fix: ${err.fix})`,
    nonRetryable: !err.retryable,
    nextRetryDelay: err.details.retryAfterMs,
    details: [{ kind: err.kind, status: err.details.status }],
  });
}

/** Activities that call the model; they run on the `agents` queue. */
export const createPromptActivities = (provider: ModelProvider) => ({
  /** One model call. Heartbeats while waiting, so a dead worker is noticed within the heartbeat timeout. */
  async promptModel(input: PromptInput): Promise<PromptResult> {
    const context = Context.current();
    const where = { workflowId: input.workflowId, step: input.step, attempt: input.attempt, activityAttempt: context.info.attempt };
    logger.info({ event: 'prompt.started', ...where }, 'model call started');
    const beat = setInterval(() => context.heartbeat({ step: input.step, attempt: input.attempt }), HEARTBEAT_EVERY_MS);
    const started = Date.now();
    try {
      const response = await provider.complete(
        { messages: input.messages, model: input.model, temperature: input.temperature, taskType: input.taskType, sim: input.sim },
        context.cancellationSignal,
      );
      const result: PromptResult = {
        text: response.text,
        provider: response.provider,
        model: response.model,
        promptTokens: response.usage.promptTokens,
        completionTokens: response.usage.completionTokens,
        latencyMs: Date.now() - started,
      };
      logger.info({ event: 'prompt.completed', ...where, tokens: result.promptTokens + result.completionTokens }, 'model call completed');
      return result;
    } catch (err) {
      if (err instanceof ModelError) {
        logger.warn({ event: 'prompt.failed', ...where, kind: err.kind }, err.message);
        throw toFailure(err);
      }
      throw err;
    } finally {
      clearInterval(beat);
    }
  },
});

export type PromptActivities = ReturnType<typeof createPromptActivities>;
