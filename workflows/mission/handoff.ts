/**
 * Hand-offs: a completed task's output may name a follow-up for another role (`handoff: { role,
 * goal }`, offered to the tasks that list `handoffTo` roles); the supervisor turns each into a new
 * task of the mission that depends on the origin, so it receives the origin's output, within the
 * mission's limits. Pure: the offer in the goal, the hand-offs of an output, the new task's spec
 * and why a hand-off is refused.
 */
import type { AgentTaskSpec } from '../../src/contracts/agent-task-spec';

export interface Handoff {
  role: string;
  goal: string;
}

/** Largest goal an agent task accepts (agentTaskSpecSchema). */
const GOAL_MAX = 4000;
/** Room left in a task id (80 characters) for a run suffix (`.a12`). */
const TASK_ID_MAX = 74;

/** The line that offers hand-offs in a task's goal (the step prompt quotes the goal; the sim model reads it). */
export function handoffOffer(roles: readonly string[]): string {
  return `Hand-off: if another role should follow up on this work, add to your JSON answer "handoff": {"role": <one of: ${roles.join(', ')}>, "goal": <what they should do>}; otherwise leave it out.`;
}

/** The spec with the offer appended to its goal (kept whole: the goal is cut before it, not through it). */
export function withHandoffOffer(spec: AgentTaskSpec, roles: readonly string[]): AgentTaskSpec {
  const offer = handoffOffer(roles);
  return { ...spec, goal: `${spec.goal.slice(0, GOAL_MAX - offer.length - 1)}\n${offer}` };
}

function isHandoff(value: unknown): value is Handoff {
  if (typeof value !== 'object' || value === null) return false;
  const { role, goal } = value as Record<string, unknown>;
  return typeof role === 'string' && typeof goal === 'string' && role.length > 0 && goal.length > 0;
}

/** The distinct hand-offs named by a task's validated outputs, in order. */
export function handoffsOf(outputs: readonly unknown[]): Handoff[] {
  const seen = new Set<string>();
  const found: Handoff[] = [];
  for (const output of outputs) {
    const handoff = typeof output === 'object' && output !== null ? (output as Record<string, unknown>).handoff : undefined;
    if (!isHandoff(handoff)) continue;
    const key = `${handoff.role}\u0000${handoff.goal}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ role: handoff.role, goal: handoff.goal });
  }
  return found;
}

/** Task id of the origin's `n`th hand-off. */
export function handoffTaskId(origin: string, n: number): string {
  return `${origin}.handoff-${n}`;
}

/** The roles a hand-off task may hand off to in turn: its origin's, without its own. */
export function onwardRoles(offered: readonly string[] | undefined, role: string): string[] | undefined {
  const onward = (offered ?? []).filter((r) => r !== role);
  return onward.length > 0 ? onward : undefined;
}

/** The hand-off task: the origin's settings under the named role, with the named goal. */
export function handoffSpec(origin: AgentTaskSpec, taskId: string, handoff: Handoff, onward: readonly string[] | undefined): AgentTaskSpec {
  const spec: AgentTaskSpec = { ...origin, taskId, role: handoff.role, goal: handoff.goal };
  return onward ? withHandoffOffer(spec, onward) : spec;
}

export interface HandoffCheck {
  handoff: Handoff;
  taskId: string;
  origin: string;
  offered: readonly string[] | undefined;
  started: number;
  maxHandoffs: number;
  /** A mission limit reached (deadline, tokens, child runs), as `limitReached()` says it. */
  limit?: string;
}

/** Why a hand-off is refused, or undefined when it may start. */
export function handoffRefusal(check: HandoffCheck): string | undefined {
  if (!check.offered) return `${check.origin} is offered no hand-offs (no handoffTo)`;
  if (!check.offered.includes(check.handoff.role)) return `role "${check.handoff.role}" is not offered to ${check.origin} (handoffTo: ${check.offered.join(', ')})`;
  if (check.started >= check.maxHandoffs) return `mission hand-off limit reached (${check.maxHandoffs})`;
  if (check.limit) return check.limit;
  if (check.taskId.length > TASK_ID_MAX) return `task id ${check.taskId} would be longer than ${TASK_ID_MAX} characters`;
  return undefined;
}
