/**
 * The supervisor's decision for an escalated agent task: a pure function of what happened
 * (escalation reason, failure classes, decisions so far), what is left (budgets, depth) and the
 * mission's supervision settings. Deterministic and free of Node imports: the mission workflow
 * calls it, and it is table-tested (test/unit/missions/policy.test.ts); it lives with the workflow, inside the workflow import boundary.
 */
import type { FailureClass } from '../../src/contracts/failure-taxonomy';
import type { AdviceKind, Assignment, DecisionKind, PersonDecision, Supervision } from '../../src/contracts/mission-spec';

/** How a child run ended when it did not complete. */
export type ChildEnd = 'escalated' | 'timed-out' | 'terminated' | 'cancelled' | 'failed';

/** A decision as a value: what to do with the task, and why. */
export type Decision =
  | { kind: 'reassign'; to: Assignment; reason: string }
  | { kind: 'split'; parts: number; reason: string }
  | { kind: 'retry-later'; delayMs: number; reason: string }
  | { kind: 'ask-person'; deadlineMs: number; fallback: PersonDecision; reason: string }
  | { kind: 'abandon'; reason: string };

/** A model's advice (the "supervisor" role), already schema-validated; the policy may override it. */
export interface Advice {
  kind: AdviceKind;
  reason: string;
  /** For reassign: the role or model the model would hand the task to. */
  to?: { role?: string; model?: string };
  /** For split: how many parts. */
  parts?: number;
}

/** What the policy made of the advice it weighed. */
export interface AdviceVerdict {
  followed: boolean;
  /** Why it was overridden, or how it was adjusted to the limits. */
  note?: string;
}

export interface DecisionInput {
  end: ChildEnd;
  /** The EscalationRequired reason (`attempt-budget`, `model-rejected`, ...), if it escalated. */
  escalationReason?: string;
  /** Failure classes of the failed run, most frequent first (from the escalation and the analytics store). */
  failureClasses: FailureClass[];
  /** Decisions already taken for this task, oldest first. */
  history: DecisionKind[];
  /** Assignments already used (the first is the task's own). */
  usedAssignments: number;
  /** Nesting of this task in splits (0: a task of the mission file). */
  splitDepth: number;
  /** Whether the task has a structure to split (more than one step). */
  splittable: boolean;
  /** Whether a person's answer is awaited or was just given for this escalation (no second question). */
  personAsked: boolean;
  tokensLeft: number;
  msLeft: number;
  supervision: Supervision;
  advice?: Advice;
  /**
   * Whether the person asked when stuck (`askPerson: when-stuck`) outranks the model's advice to
   * abandon. Default true; false only to replay missions recorded before that rule, which followed the advice.
   */
  personOutranksAbandonAdvice?: boolean;
}

const TRANSIENT: ReadonlySet<FailureClass> = new Set(['model-timeout', 'model-rate-limit', 'model-server-error', 'model-unreachable', 'worker-lost', 'heartbeat-timeout']);

/** Whether the run failed for a cause that a later attempt of the same task can get past. */
export function isTransient(input: Pick<DecisionInput, 'end' | 'failureClasses'>): boolean {
  if (input.end === 'terminated' || input.end === 'timed-out') return true;
  const first = input.failureClasses[0];
  return first !== undefined && TRANSIENT.has(first);
}

function count(history: DecisionKind[], kind: DecisionKind): number {
  return history.filter((k) => k === kind).length;
}

/** What can be done automatically, best first, before a person or the model's advice is weighed. */
function automatic(input: DecisionInput): Decision[] {
  const s = input.supervision;
  const options: Decision[] = [];
  const retries = count(input.history, 'retry-later');
  if (isTransient(input) && retries < s.maxRetries) {
    const delayMs = s.retryBackoffMs * 2 ** retries;
    if (delayMs < input.msLeft) options.push({ kind: 'retry-later', delayMs, reason: `transient cause (${input.failureClasses[0] ?? input.end}); retry ${retries + 1}/${s.maxRetries} after ${delayMs} ms` });
  }
  const next = s.reassignTo[input.usedAssignments - 1];
  if (next) options.push({ kind: 'reassign', to: next, reason: `failed as assigned (${input.escalationReason ?? input.end}); assignment ${input.usedAssignments + 1} of ${s.reassignTo.length + 1}` });
  if (input.splittable && input.splitDepth < s.maxSplitDepth) options.push({ kind: 'split', parts: s.splitParts, reason: `no other assignment left; split into ${s.splitParts} parts (depth ${input.splitDepth + 1}/${s.maxSplitDepth})` });
  return options;
}

/** A person's answer (or the default at the deadline) as a decision the mission can act on. */
export function personDecision(answer: { decision: PersonDecision; role?: string; model?: string }, input: DecisionInput): Decision {
  const s = input.supervision;
  switch (answer.decision) {
    case 'reassign': {
      const to: Assignment = answer.role || answer.model ? { role: answer.role, model: answer.model } : (s.reassignTo[input.usedAssignments - 1] ?? s.reassignTo[0] ?? { promptTemplate: '{goal}' });
      return { kind: 'reassign', to, reason: 'decided by a person' };
    }
    case 'split':
      return { kind: 'split', parts: s.splitParts, reason: 'decided by a person' };
    case 'retry':
      return { kind: 'retry-later', delayMs: Math.min(s.retryBackoffMs, Math.max(0, input.msLeft - 1)), reason: 'decided by a person' };
    case 'abandon':
      return { kind: 'abandon', reason: 'decided by a person' };
  }
}

/** What follows from the hard limits, a person asked first or a transient cause: advice cannot change it. */
function beforeAdvice(input: DecisionInput, options: Decision[]): Decision | undefined {
  const s = input.supervision;
  if (input.history.filter((k) => k !== 'ask-person').length >= s.maxDecisionsPerTask) return { kind: 'abandon', reason: `decision limit reached (${s.maxDecisionsPerTask} per task)` };
  if (input.tokensLeft <= 0) return { kind: 'abandon', reason: 'mission token budget spent' };
  if (input.msLeft <= 0) return { kind: 'abandon', reason: 'mission deadline passed' };
  if (s.askPerson === 'always' && !input.personAsked) return ask(input, 'every escalation is decided by a person (askPerson: always)');
  return options.find((o) => o.kind === 'retry-later');
}

/** Whether the supervision leaves this escalation to a person: nothing automatic is left and `askPerson` is `when-stuck`. */
function personDecides(input: DecisionInput, options: Decision[]): boolean {
  return options.length === 0 && input.supervision.askPerson === 'when-stuck' && !input.personAsked;
}

function ask(input: DecisionInput, why: string): Decision {
  const s = input.supervision;
  return { kind: 'ask-person', deadlineMs: Math.max(0, Math.min(s.personDeadlineMs, input.msLeft)), fallback: s.defaultDecision, reason: why };
}

/** Whether a model's advice could change the decision: worth a model call only then. */
export function adviceWanted(input: DecisionInput): boolean {
  return beforeAdvice(input, automatic(input)) === undefined;
}

/** The advice as a decision the limits allow (possibly adjusted), or why it is overridden. */
function weigh(advice: Advice, input: DecisionInput, options: Decision[]): { decision: Decision; note?: string } | { overridden: string } {
  const s = input.supervision;
  const advised = (d: Decision, note?: string) => ({ decision: { ...d, reason: `advised: ${advice.reason}; ${d.reason}` } as Decision, ...(note ? { note } : {}) });
  switch (advice.kind) {
    case 'abandon':
      // Abandoning instead of a remedy is the model's call; instead of the person who decides, it is not.
      if (personDecides(input, options) && input.personOutranksAbandonAdvice !== false) return { overridden: 'a person decides once no remedy is left (askPerson: when-stuck): asked, with the advice in the question' };
      return { decision: { kind: 'abandon', reason: `advised: ${advice.reason}` } };
    case 'retry-later':
      // A transient cause with retries left is retried before advice is weighed: here it is not one.
      if (!isTransient(input)) return { overridden: `not a transient cause (${input.failureClasses[0] ?? input.end}): a retry would fail the same way` };
      return { overridden: `no retry left (${count(input.history, 'retry-later')}/${s.maxRetries}, or the backoff passes the mission deadline)` };
    case 'reassign': {
      const next = options.find((o): o is Extract<Decision, { kind: 'reassign' }> => o.kind === 'reassign');
      if (!next) return { overridden: `no assignment left (${s.reassignTo.length} configured, all used)` };
      const wanted = advice.to?.role ?? advice.to?.model;
      const matches = !wanted || wanted === next.to.role || wanted === next.to.model;
      return advised(next, matches ? undefined : `advised ${wanted}, which is not the next configured assignment: ${next.to.role ?? next.to.model ?? 'prompt template'} instead`);
    }
    case 'split': {
      if (!input.splittable) return { overridden: 'the task has no structure to split' };
      if (input.splitDepth >= s.maxSplitDepth) return { overridden: `split depth limit reached (${input.splitDepth}/${s.maxSplitDepth})` };
      const parts = Math.min(advice.parts ?? s.splitParts, s.splitParts);
      const base: Decision = { kind: 'split', parts, reason: `split into ${parts} parts (depth ${input.splitDepth + 1}/${s.maxSplitDepth})` };
      return advised(base, parts < (advice.parts ?? 0) ? `advised ${advice.parts} parts, capped at splitParts ${s.splitParts}` : undefined);
    }
  }
}

/**
 * The rules, in order: hard limits (decisions per task, mission budgets) abandon; `askPerson:
 * always` asks; a transient cause is retried later; valid advice is followed when the limits allow
 * it (a reassignment takes the next configured assignment, a split at most `splitParts` parts),
 * except advice to abandon where a person decides; otherwise reassign, then split; when nothing is
 * left a person is asked (`when-stuck`), the model's advice to abandon in the question; else the
 * task is abandoned. Returns the policy's verdict on the advice when it was weighed.
 */
export function decideWithAdvice(input: DecisionInput): { decision: Decision; advice?: AdviceVerdict } {
  const s = input.supervision;
  const options = automatic(input);
  const early = beforeAdvice(input, options);
  if (early) return { decision: early, ...(input.advice ? { advice: { followed: false, note: `not weighed: ${early.reason}` } } : {}) };
  const weighed = input.advice ? weigh(input.advice, input, options) : undefined;
  if (weighed && 'decision' in weighed) return { decision: weighed.decision, advice: { followed: true, ...(weighed.note ? { note: weighed.note } : {}) } };
  const verdict = weighed ? { advice: { followed: false, note: weighed.overridden } } : {};
  if (options[0]) return { decision: options[0], ...verdict };
  if (personDecides(input, options)) {
    const advised = input.advice?.kind === 'abandon' ? `; the supervisor model advises abandoning it: ${input.advice.reason}` : '';
    return { decision: ask(input, `no automatic remedy left for ${input.escalationReason ?? input.end}${advised}`), ...verdict };
  }
  return { decision: { kind: 'abandon', reason: `no remedy left for ${input.escalationReason ?? input.end}` }, ...verdict };
}

/** The decision alone (see `decideWithAdvice`). */
export function decide(input: DecisionInput): Decision {
  return decideWithAdvice(input).decision;
}
