/** Text helpers shared by the mission workflow and its activities. Pure. */

/** JSON of a value, cut to `max` characters. */
export function clipJson(value: unknown, max: number): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Largest goal an agent task accepts (agentTaskSpecSchema). */
const GOAL_MAX = 4000;

/**
 * A dependent task's goal with the validated outputs of the tasks it depends on: the prompt of
 * every step quotes its goal, so the outputs reach the model without a change to the agent task.
 */
export function goalWithInputs(goal: string, inputs: ReadonlyArray<{ taskId: string; role: string; outputs: unknown[] }>): string {
  if (inputs.length === 0) return goal;
  const room = Math.max(0, GOAL_MAX - goal.length - 60);
  const each = Math.floor(room / inputs.length) - 20;
  if (each < 40) return goal;
  const lines = inputs.map((i) => `- ${i.taskId} (${i.role}): ${clipJson(i.outputs[i.outputs.length - 1] ?? null, each)}`);
  return `${goal}\nInputs from the tasks this one depends on:\n${lines.join('\n')}`.slice(0, GOAL_MAX);
}
