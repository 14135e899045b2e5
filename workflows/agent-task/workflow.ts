import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { AgentTaskInput, AgentTaskResult, PromptInput } from '../../src/contracts/agent-task';
import { classifyFailure } from '../../src/contracts/failure-taxonomy';
import { escalate } from './escalation';
import { flushEvents } from './failure-events';
import { registerHandlers } from './handlers';
import { parseAgentTaskInput } from './input';
import { markCheckpoint, recallMemories, rememberStep } from './memory';
import { askInParts, askModel } from './model';
import { publish, setStatus } from './publish';
import { firstPrompt, heal } from './repair';
import { rollBack } from './rollback';
import { atFailureLimit, freshStep, noteFailure, openTask, spentBudget, tally, TaskRun } from './task';

/**
 * One agent task: a loop of steps. Each step recalls memory (nexus queue), prompts the model (agents
 * queue) and validates the answer; a valid answer is remembered and checkpointed. An invalid one is
 * healed (local repair, then the strategy the healer chooses from the failure analytics); repeated
 * failure rolls the task and its memory back to the last checkpoint; a spent budget fails the
 * workflow with a non-retryable EscalationRequired carrying the task's context. Every failure, heal
 * attempt, rollback and escalation is recorded in the failure analytics store.
 */
export async function agentTask(raw: AgentTaskInput): Promise<AgentTaskResult> {
  const input = parseAgentTaskInput(raw);
  const task = openTask(input);
  const { spec, state } = task;
  registerHandlers(task);
  if (input.carried) publish(task);
  else markCheckpoint(task, task.checkpoints[0]);

  while (state.step < spec.steps) {
    await holdWhilePaused(task);
    if (!task.current.repair && continueAsNewDue(task)) {
      await flushEvents(task.recorder);
      await condition(allHandlersFinished);
      return continueAsNew<typeof agentTask>(carriedOver(task));
    }
    const spent = spentBudget(task, Date.now());
    if (spent) throw await escalate(task, spent);

    state.attempts += 1;
    task.current.attempt += 1;
    const { repair } = task.current;
    if (!repair) task.memories = await recallMemories(task);
    const base = repair?.base ?? firstPrompt(task);
    // A pause that arrived while memory was recalled holds the model call too.
    await holdWhilePaused(task);
    const answer = repair?.subSteps ? await askInParts(task, repair.subSteps) : await askModel(task, repair?.messages ?? base, purposeOf(task));
    if (answer.kind === 'rejected') throw await escalate(task, { reason: 'model-rejected', message: answer.message });
    if (answer.kind === 'answer') {
      state.tokens += answer.tokens;
      const { validation } = answer;
      closeRepair(task, validation.ok, answer.tokens);
      if (validation.ok) {
        await completeStep(task, validation.value, answer.tokens);
        continue;
      }
      const failureClass = classifyFailure({ validationKind: validation.kind, message: answer.text });
      noteFailure(task, validation.kind, validation.errors.join('; '));
      task.recorder.failure(state.step, { kind: 'validation-failure', attempt: task.current.attempt, failureClass, message: validation.errors.join('; '), tokens: answer.tokens, model: state.model });
      state.healAttempts += 1;
      const decision = await heal(task, base, { text: answer.text, failureClass, errors: validation.errors });
      if (decision.kind === 'healed') {
        await completeStep(task, decision.output, answer.tokens);
        continue;
      }
      if (decision.kind === 'repair') task.current.repair = decision.repair;
      if (decision.kind === 'rollback') {
        const limit = await rollBack(task);
        if (limit) throw await escalate(task, limit);
        publish(task);
        continue;
      }
    }
    if (atFailureLimit(task)) {
      const limit = await rollBack(task);
      if (limit) throw await escalate(task, limit);
    }
    await flushEvents(task.recorder);
    publish(task);
  }

  setStatus(task, 'completed');
  await flushEvents(task.recorder);
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

/** Holds the loop while the task is paused: no model call is made until it is resumed. */
async function holdWhilePaused(task: TaskRun): Promise<void> {
  if (task.state.status === 'paused') await condition(() => task.state.status !== 'paused');
}

function continueAsNewDue(task: TaskRun): boolean {
  const history = workflowInfo();
  return history.historyLength >= task.spec.continueAsNewAfterEvents || history.continueAsNewSuggested;
}

/** What the next run of the chain starts from: the state, the recent checkpoints, the open failure chains. */
function carriedOver(task: TaskRun): AgentTaskInput {
  const { spec, state } = task;
  return {
    spec: { ...spec, goal: state.goal },
    carried: { state: { ...state, run: state.run + 1 }, checkpoints: task.checkpoints.slice(-10), recorder: task.recorder.state(), rollbackNote: task.rollbackNote },
  };
}

function purposeOf(task: TaskRun): PromptInput['purpose'] {
  const { repair } = task.current;
  if (repair) return repair.subSteps ? 'decompose' : 'reask';
  return task.rollbackNote ? 'after-rollback' : 'first';
}

/** Records the outcome of the repair that produced this answer. */
function closeRepair(task: TaskRun, healed: boolean, tokens: number): void {
  const { repair, attempt } = task.current;
  if (!repair) return;
  tally(task, repair.strategy, healed);
  task.recorder.healAttempt(task.state.step, { attempt, strategy: repair.strategy, healed, tokens, model: task.state.model, message: repair.note });
}

/** A valid output: remembered, recorded, its failure chain resolved, and checkpointed when due. */
async function completeStep(task: TaskRun, output: unknown, tokens: number): Promise<void> {
  const { spec, state, recorder } = task;
  await rememberStep(task, output);
  state.records.push({ step: state.step, output, attempts: task.current.attempt, tokens });
  if (recorder.isOpen(state.step)) recorder.resolved(state.step, { attempt: task.current.attempt, tokens });
  state.step += 1;
  state.consecutiveFailures = 0;
  task.current = freshStep();
  if (state.step % spec.checkpointEvery === 0 || state.step === spec.steps) {
    const checkpoint = { id: `cp-${state.step}`, completedSteps: state.step, at: Date.now() };
    markCheckpoint(task, checkpoint);
    task.checkpoints.push(checkpoint);
    // A new stable state: the rollback note has served its purpose.
    task.rollbackNote = undefined;
  }
  await flushEvents(task.recorder);
  if (state.step < spec.steps) publish(task);
}
