/**
 * The agent task specs a mission derives from a task of its file: a later run (retry or
 * reassignment), the parts of a split and the merge step that stands for the original. Pure.
 */
import type { AgentTaskSpec } from '../../src/contracts/agent-task-spec';
import type { Assignment } from '../../src/contracts/mission-spec';
import { goalWithInputs } from './text';

/** Task id of run `run` (1-based) of a task: the first keeps its id, so its workflow id is `<mission>.<task>`. */
export function runTaskId(taskId: string, run: number): string {
  return run === 1 ? taskId : `${taskId}.a${run}`;
}

/** The spec with another role, model or prompt template. */
export function reassigned(spec: AgentTaskSpec, to: Assignment): AgentTaskSpec {
  return {
    ...spec,
    role: to.role ?? spec.role,
    goal: to.promptTemplate ? to.promptTemplate.split('{goal}').join(spec.goal).slice(0, 4000) : spec.goal,
    model: to.model ? { ...spec.model, name: to.model } : spec.model,
  };
}

/** Run `run` of a task, its goal carrying the outputs it depends on and its token budget cut to what the mission has left. */
export function runSpec(
  spec: AgentTaskSpec,
  run: number,
  inputs: ReadonlyArray<{ taskId: string; role: string; outputs: unknown[] }>,
  tokensLeft: number,
  note?: string,
): AgentTaskSpec {
  const goal = goalWithInputs(note ? `${spec.goal}\n${note}` : spec.goal, inputs);
  return { ...spec, taskId: runTaskId(spec.taskId, run), goal, budget: { ...spec.budget, maxTokens: Math.max(100, Math.min(spec.budget.maxTokens, tokensLeft)) } };
}

/** The N parts of a split: the task's steps shared out, each part told which share of the goal is its own. */
export function splitParts(spec: AgentTaskSpec, parts: number): AgentTaskSpec[] {
  const steps = Math.max(1, Math.ceil(spec.steps / parts));
  return Array.from({ length: parts }, (_, i) => ({
    ...spec,
    taskId: `${spec.taskId}.p${i + 1}`,
    steps,
    checkpointEvery: Math.min(spec.checkpointEvery, steps),
    goal: `${spec.goal}\nPart ${i + 1} of ${parts}: cover only this share of the goal; other agents cover the rest.`.slice(0, 4000),
  }));
}

/** The merge step of a split: one step whose output stands for the original task. */
export function mergeSpec(spec: AgentTaskSpec, parts: number): AgentTaskSpec {
  return {
    ...spec,
    taskId: `${spec.taskId}.merge`,
    steps: 1,
    checkpointEvery: 1,
    goal: `Merge the results of Part 1 to Part ${parts} into one answer for this goal: ${spec.goal}`.slice(0, 3000),
  };
}
