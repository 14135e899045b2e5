/**
 * The workflow side of capture: builds the failure events of one agent task with deterministic
 * idempotency keys and chain ids, and holds them until the workflow sends them to the
 * `recordFailureEvents` activity on the nexus queue. Pure and free of Node imports: workflow
 * code uses it, and `Date.now()` there is workflow time, so replays build the same events.
 */
import { chainIdOf, EventKind, FailureEventInput, isFailureKind, Outcome } from '../../src/contracts/failure-events';
import type { FailureClass } from '../../src/contracts/failure-taxonomy';
import type { RecorderState } from '../../src/contracts/failure-events';

export interface RecorderContext {
  missionId: string;
  workflowId: string;
  runId: string;
  role: string;
  /** Model of the events that name none. */
  model?: string;
}

/** What one event adds to the context. */
export interface EventFields {
  kind: EventKind;
  attempt: number;
  failureClass?: FailureClass;
  message?: string;
  model?: string;
  tokens?: number;
  strategy?: string;
  outcome?: Outcome;
}

export class FailureRecorder {
  private sequence = 0;
  private readonly segments = new Map<number, number>();
  private readonly open = new Set<number>();
  private readonly classes = new Map<number, FailureClass>();
  private pending: FailureEventInput[] = [];

  constructor(
    private readonly context: RecorderContext,
    state?: RecorderState,
    private readonly now: () => number = Date.now,
  ) {
    for (const [step, segment] of Object.entries(state?.segments ?? {})) this.segments.set(Number(step), segment);
    for (const step of state?.open ?? []) this.open.add(step);
    for (const [step, failureClass] of Object.entries(state?.classes ?? {})) this.classes.set(Number(step), failureClass);
  }

  /**
   * Records one event of `step` in its current chain and returns it. A heal attempt or rollback
   * without a class gets the class of the chain's latest failure: the healer's strategy stats
   * are kept per class.
   */
  add(step: number, fields: EventFields): FailureEventInput {
    const { missionId, workflowId, runId, role, model } = this.context;
    const event: FailureEventInput = {
      idempotencyKey: `${workflowId}/${runId}/${this.sequence}`,
      at: this.now(),
      missionId,
      workflowId,
      runId,
      role,
      step,
      attempt: fields.attempt,
      kind: fields.kind,
      chainId: chainIdOf(workflowId, step, this.segments.get(step) ?? 0),
    };
    const inherits = fields.kind === 'heal-attempt' || fields.kind === 'rollback';
    const failureClass = fields.failureClass ?? (inherits ? this.classes.get(step) : undefined);
    const optional = { failureClass, message: fields.message, model: fields.model ?? model, tokens: fields.tokens, strategy: fields.strategy, outcome: fields.outcome };
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(event, { [key]: value });
    this.sequence += 1;
    this.open.add(step);
    if (isFailureKind(fields.kind) && fields.failureClass) this.classes.set(step, fields.failureClass);
    this.pending.push(event);
    return event;
  }

  /** An activity, validation or workflow failure; the chain stays open (`retrying`). */
  failure(step: number, fields: Omit<EventFields, 'kind'> & { kind: 'activity-failure' | 'validation-failure' | 'workflow-failure' }): FailureEventInput {
    return this.add(step, { outcome: 'retrying', ...fields });
  }

  /** A heal attempt with `strategy`; `healed` says whether the repaired answer was valid. */
  healAttempt(step: number, fields: Omit<EventFields, 'kind' | 'outcome' | 'strategy'> & { strategy: string; healed: boolean }): FailureEventInput {
    const { healed, ...rest } = fields;
    return this.add(step, { ...rest, kind: 'heal-attempt', outcome: healed ? 'healed' : 'retrying' });
  }

  rollback(step: number, fields: Omit<EventFields, 'kind' | 'outcome'>): FailureEventInput {
    return this.add(step, { strategy: 'rollback', ...fields, kind: 'rollback', outcome: 'rolled-back' });
  }

  escalation(step: number, fields: Omit<EventFields, 'kind' | 'outcome'>): FailureEventInput {
    return this.add(step, { failureClass: 'escalation', ...fields, kind: 'escalation', outcome: 'escalated' });
  }

  /**
   * The step succeeded. Closes its chain as resolved, if it has one (nothing is recorded for a
   * step that never failed), and starts a new segment for later failures of the same step.
   */
  resolved(step: number, fields: Omit<EventFields, 'kind' | 'outcome'>): FailureEventInput | undefined {
    return this.close(step, { ...fields, kind: 'resolved', outcome: 'resolved' });
  }

  /** The task gave the step up (escalation unanswered, budget spent, cancelled). */
  abandoned(step: number, fields: Omit<EventFields, 'kind' | 'outcome'>): FailureEventInput | undefined {
    return this.close(step, { ...fields, kind: 'abandoned', outcome: 'abandoned' });
  }

  /** Whether `step` has a chain that is not closed yet. */
  isOpen(step: number): boolean {
    return this.open.has(step);
  }

  /** Takes the events not sent yet; on a failed send, give them back with `restore`. */
  drain(): FailureEventInput[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  restore(events: FailureEventInput[]): void {
    this.pending = [...events, ...this.pending];
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  state(): RecorderState {
    return { segments: Object.fromEntries(this.segments), open: [...this.open], classes: Object.fromEntries(this.classes) };
  }

  private close(step: number, fields: EventFields): FailureEventInput | undefined {
    if (!this.open.has(step)) return undefined;
    const event = this.add(step, fields);
    this.open.delete(step);
    this.classes.delete(step);
    this.segments.set(step, (this.segments.get(step) ?? 0) + 1);
    return event;
  }
}
