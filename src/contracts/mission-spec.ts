/**
 * The mission's input: its tasks with their dependencies, its limits and how escalations are
 * supervised. Workflow-safe (the mission workflow validates its input with it at its boundary);
 * schemas stay private to this module, which exports functions and types only.
 */
import { z } from 'zod';
import { AgentTaskSpec, taskSchemas } from './agent-task-spec';

const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'use 1-80 letters, digits, dots, dashes or underscores');

/** What the supervisor decides: for an escalated task, or (`hand-off`) for a follow-up a completed task's output names. */
export const DECISION_KINDS = ['reassign', 'split', 'retry-later', 'ask-person', 'abandon', 'hand-off'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
/** What the supervisor model may advise (a person is asked by the policy, never by the model). */
export const ADVICE_KINDS = ['reassign', 'split', 'retry-later', 'abandon'] as const;
export type AdviceKind = (typeof ADVICE_KINDS)[number];
/** What a person may answer (`dreamos mission decide`). */
export const PERSON_DECISIONS = ['reassign', 'split', 'retry', 'abandon'] as const;
export type PersonDecision = (typeof PERSON_DECISIONS)[number];

const assignmentSchema = z
  .strictObject({
    role: z.string().min(1).max(40).optional(),
    model: z.string().min(1).optional(),
    /** Rewrites the goal; `{goal}` stands for the original one. */
    promptTemplate: z.string().min(1).max(2000).optional(),
  })
  .refine((a) => a.role !== undefined || a.model !== undefined || a.promptTemplate !== undefined, 'give a role, a model or a promptTemplate');

/**
 * The supervisor model: asked for advice on each decision the policy leaves open (no hard limit
 * reached, no person asked first, no transient cause to retry). Its answer is schema-validated and
 * the policy may override it; absent, no model is consulted.
 */
const advisorSchema = z.strictObject({
  /** Model to ask; default: the escalated task's model. */
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).default(0),
  /** Time one advice call may take, ms; a call that fails (after one retry) is ignored and recorded. */
  timeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
  /** `sim` provider settings of the advice call (faults, rules, latency), as a task's `model.sim`. */
  sim: taskSchemas().simOptions.optional(),
});

const supervisionFields = {
  /** Other assignments a reassignment may use, in order of preference. */
  reassignTo: z.array(assignmentSchema).max(5).default([]),
  /** Decisions per task (K) before it is abandoned. */
  maxDecisionsPerTask: z.number().int().min(1).max(10).default(3),
  /** How deep splits may nest (1: a split task's parts are not split again). */
  maxSplitDepth: z.number().int().min(0).max(3).default(1),
  /** Parts of a split (fan-out). */
  splitParts: z.number().int().min(2).max(8).default(2),
  /** Retries after a transient failure, and the first backoff (doubled each time), ms. */
  maxRetries: z.number().int().min(0).max(10).default(2),
  retryBackoffMs: z.number().int().min(100).max(86_400_000).default(30_000),
  /** When a person is asked: never, only when no automatic remedy is left, or at every escalation. */
  askPerson: z.enum(['never', 'when-stuck', 'always']).default('when-stuck'),
  /** How long a person has to answer, ms; then `defaultDecision` applies. */
  personDeadlineMs: z.number().int().min(1000).max(7 * 86_400_000).default(600_000),
  defaultDecision: z.enum(PERSON_DECISIONS).default('abandon'),
  /** A child that has not finished after this long is cancelled and handled like an escalation, ms. */
  childDeadlineMs: z.number().int().min(1000).max(30 * 86_400_000).default(3_600_000),
  advisor: advisorSchema.optional(),
};
const supervisionSchema = z.strictObject(supervisionFields);

export type Supervision = z.infer<typeof supervisionSchema>;
export type Assignment = z.infer<typeof assignmentSchema>;
export type Advisor = z.infer<typeof advisorSchema>;

/** A task of a mission: the agent task, what it waits for, and its own supervision settings. */
export interface MissionTask {
  spec: AgentTaskSpec;
  dependsOn: string[];
  supervision: Supervision;
  /** Roles the task may hand a follow-up to (its prompt offers a `handoff` field); absent: none. */
  handoffTo?: string[];
}

const missionTaskSchema = z.strictObject({
  spec: taskSchemas().agentTaskSpec,
  dependsOn: z.array(identifier).max(100).default([]),
  supervision: supervisionSchema,
  handoffTo: z.array(z.string().min(1).max(40)).min(1).max(5).optional(),
});

const missionInputSchema = z.strictObject({
  missionId: identifier,
  goal: z.string().max(4000).optional(),
  tasks: z.array(missionTaskSchema).min(1).max(500),
  /** Children running at once. */
  maxConcurrentTasks: z.number().int().min(1).max(200).default(4),
  /** Wall-clock budget of the whole mission, ms. */
  deadlineMs: z.number().int().min(1000).default(86_400_000),
  /** Model tokens for all of the mission's children. */
  maxTokens: z.number().int().min(100).default(5_000_000),
  /** Workflow id of the control tower that admitted it: the mission reports its progress there by signal. */
  reportTo: z.string().min(1).max(200).optional(),
  /** Hand-offs (follow-up tasks named by agents' outputs) the mission starts; more are refused. */
  maxHandoffs: z.number().int().min(0).max(100).default(10),
});

/** The mission workflow's input, validated and defaulted. */
export type MissionInput = z.infer<typeof missionInputSchema>;
export type MissionInputDraft = z.input<typeof missionInputSchema>;

/** A problem with an input: where (`tasks[2].dependsOn`) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

function issuesOf(error: z.ZodError, prefix = ''): InputIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.').replace(/\.(\d+)/g, '[$1]') || '(input)',
    message: issue.message,
  }));
}

/** The dependency graph's problems: duplicate ids, unknown ids, the first cycle found (named). */
export function graphIssues(tasks: ReadonlyArray<{ taskId: string; dependsOn: readonly string[] }>): InputIssue[] {
  const issues: InputIssue[] = [];
  const ids = new Set<string>();
  tasks.forEach((task, index) => {
    if (ids.has(task.taskId)) issues.push({ path: `tasks[${index}].taskId`, message: `duplicate task id "${task.taskId}"` });
    ids.add(task.taskId);
  });
  tasks.forEach((task, index) => {
    for (const dep of task.dependsOn) {
      if (!ids.has(dep)) issues.push({ path: `tasks[${index}].dependsOn`, message: `unknown task id "${dep}" (task "${task.taskId}" depends on it)` });
      if (dep === task.taskId) issues.push({ path: `tasks[${index}].dependsOn`, message: `task "${dep}" depends on itself` });
    }
  });
  if (issues.length > 0) return issues;
  const cycle = findCycle(tasks);
  return cycle ? [{ path: 'tasks', message: `dependency cycle: ${cycle.join(' -> ')}` }] : [];
}

/** A cycle as the ids along it, first id repeated at the end; undefined if the graph is acyclic. */
export function findCycle(tasks: ReadonlyArray<{ taskId: string; dependsOn: readonly string[] }>): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.taskId, t.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of deps.get(id) ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const task of tasks) {
    const found = visit(task.taskId);
    if (found) return found;
  }
  return undefined;
}

/** Validates a mission input (any client may start the workflow): the value, or every issue found. */
export function parseMissionInput(input: unknown): { ok: true; value: MissionInput } | { ok: false; issues: InputIssue[] } {
  const parsed = missionInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const graph = graphIssues(parsed.data.tasks.map((t) => ({ taskId: t.spec.taskId, dependsOn: t.dependsOn })));
  const foreign = parsed.data.tasks.findIndex((t) => t.spec.missionId !== parsed.data.missionId);
  if (foreign >= 0) graph.push({ path: `tasks[${foreign}].spec.missionId`, message: `must be the mission's id "${parsed.data.missionId}"` });
  return graph.length > 0 ? { ok: false, issues: graph } : { ok: true, value: parsed.data };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Mission-level supervision defaults merged with a task's own (task fields win), validated. */
export function parseSupervision(mission: unknown, task: unknown): { ok: true; value: Supervision } | { ok: false; issues: InputIssue[] } {
  const base = supervisionSchema.safeParse(mission ?? {});
  if (!base.success) return { ok: false, issues: issuesOf(base.error, 'supervision') };
  const merged = supervisionSchema.safeParse({ ...asObject(mission), ...asObject(task) });
  return merged.success ? { ok: true, value: merged.data } : { ok: false, issues: issuesOf(merged.error, 'supervision') };
}
