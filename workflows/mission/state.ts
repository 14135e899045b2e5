/** The mission's tasks as the workflow tracks them, and the views its query and the Web UI show. */
import type { AgentTaskSpec } from '../../src/contracts/agent-task-spec';
import type { ResumePoint } from '../../src/contracts/agent-task';
import type { DecisionKind, Supervision } from '../../src/contracts/mission-spec';
import type { DecisionRecord, MissionTaskState, MissionTaskView, PendingQuestion } from '../../src/contracts/mission';

/** A task of the mission file, a part or merge step of a split, or a hand-off. */
export interface TaskNode {
  taskId: string;
  /** The spec of the current assignment (a reassignment replaces role, model or goal). */
  spec: AgentTaskSpec;
  dependsOn: string[];
  supervision: Supervision;
  parent?: string;
  /** Roles this task may hand a follow-up to (its goal carries the offer). */
  handoffTo?: string[];
  /** The completed task whose output handed this one off. */
  handoffFrom?: string;
  splitDepth: number;
  state: MissionTaskState;
  runs: number;
  workflowIds: string[];
  /** The run id of each of those runs, in the same order (for links to the run's page). */
  runIds: string[];
  decisions: DecisionKind[];
  /** Assignments used so far (1: the task's own). */
  assignments: number;
  tokens: number;
  outputs?: unknown[];
  reason?: string;
  /** Where the next run starts (set by a reassignment from the escalation's checkpoint). */
  resume?: ResumePoint;
  /** Goal note of the next run (a retry says it is one). */
  note?: string;
}

export function isSettled(node: TaskNode): boolean {
  return node.state === 'completed' || node.state === 'abandoned' || node.state === 'skipped';
}

export function viewOf(node: TaskNode): MissionTaskView {
  return {
    taskId: node.taskId,
    role: node.spec.role,
    state: node.state,
    dependsOn: node.dependsOn,
    ...(node.parent ? { parent: node.parent } : {}),
    ...(node.handoffFrom ? { handoffFrom: node.handoffFrom } : {}),
    attempts: node.runs,
    workflowIds: node.workflowIds,
    runIds: node.runIds,
    decisions: node.decisions.length,
    tokens: node.tokens,
    ...(node.reason ? { reason: node.reason } : {}),
  };
}

/** The Web UI's current details: counts, and the questions waiting for a person. */
export function currentDetails(missionId: string, nodes: TaskNode[], pending: PendingQuestion[], decisions: DecisionRecord[], tokens: number): string {
  const counts = new Map<string, number>();
  for (const node of nodes) counts.set(node.state, (counts.get(node.state) ?? 0) + 1);
  const lines = [`**mission ${missionId}** — ${[...counts.entries()].map(([s, n]) => `${s} ${n}`).join(' · ')} · decisions ${decisions.length} · tokens ${tokens}`];
  for (const q of pending) {
    lines.push(`\n**Waiting for a decision on ${q.taskId}**: ${q.reason}\n\`dreamos mission decide ${missionId} ${q.taskId} <${q.allowed.join('|')}>\` — default ${q.fallback} at ${new Date(q.deadline).toISOString()}`);
  }
  return lines.join('\n');
}
