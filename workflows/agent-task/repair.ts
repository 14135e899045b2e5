import { log, proxyActivities } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../../activities/analytics';
import { NEXUS_ACTIVITY_OPTIONS } from '../../src/contracts/activity-options';
import type { FailureClass } from '../../src/contracts/failure-taxonomy';
import { chooseStrategy } from '../../src/healing/chooser';
import { canDecompose, decompose } from '../../src/healing/decompose';
import { repairLocally } from '../../src/healing/local-repair';
import { stepMessages, StepPromptInput } from '../../src/healing/prompt';
import { errorSignature, repeats } from '../../src/healing/signature';
import { applicableStrategies, fallbackModel, lowerTemperature, reask, regenerate, RepairPlan, StrategyName, SubStep } from '../../src/healing/strategies';
import { validateOutput } from '../../src/healing/validate';
import type { ChatMessage } from '../../src/llm/provider';
import { atFailureLimit, tally, TaskRun } from './task';

const { strategyStats } = proxyActivities<AnalyticsActivities>(NEXUS_ACTIVITY_OPTIONS);

/** An in-flight repair of the current step: what to send next, and why. */
export interface Repair {
  /** `retry` is the naive baseline: the identical prompt again. */
  strategy: StrategyName | 'retry';
  note: string;
  /** The step prompt the repair started from (a regenerate replaces it). */
  base: ChatMessage[];
  /** The conversation to send; for `decompose`, the parts to ask one by one instead. */
  messages: ChatMessage[];
  subSteps?: SubStep[];
}

/** What to do about an invalid answer, as a value the loop acts on. */
export type HealDecision =
  /** Local repair made the answer valid: the step is complete. */
  | { kind: 'healed'; output: unknown }
  /** Ask again, this way. */
  | { kind: 'repair'; repair: Repair }
  /** The chooser found nothing left to try: return to the last checkpoint. */
  | { kind: 'rollback' }
  /** At the consecutive-failure limit: the loop's failure rule decides (a repair chosen now would never run). */
  | { kind: 'none' };

/** An invalid answer: its raw text and what was wrong with it. */
export interface InvalidAnswer {
  text: string;
  failureClass: FailureClass;
  errors: string[];
}

/** The step prompt's inputs: all workflow state, so building the prompt is deterministic. */
export function promptInput(task: TaskRun): StepPromptInput {
  const { spec, state } = task;
  return {
    missionId: spec.missionId,
    role: spec.role,
    goal: state.goal,
    outputSchema: spec.outputSchema,
    step: state.step,
    steps: spec.steps,
    previousOutputs: state.records.map((r) => r.output),
    hints: state.hints,
    rollbackNote: task.rollbackNote,
    memory: task.memories,
  };
}

export function firstPrompt(task: TaskRun): ChatMessage[] {
  return stepMessages(promptInput(task));
}

/** Free and never inventive, so tried on every invalid answer, reask answers included. */
function tryLocalRepair(task: TaskRun, answer: InvalidAnswer): unknown {
  const { spec, state, current } = task;
  if (!current.tried.includes('local-repair')) current.tried.push('local-repair');
  const repaired = repairLocally(answer.text, spec.outputSchema);
  tally(task, 'local-repair', repaired !== undefined);
  task.recorder.healAttempt(state.step, { attempt: current.attempt, strategy: 'local-repair', healed: repaired !== undefined, model: state.model, message: repaired?.changes.join('; ') ?? 'nothing safe to repair' });
  const validation = repaired ? validateOutput(spec.outputSchema, repaired.text) : undefined;
  return validation?.ok ? validation.value : undefined;
}

/** The plan of the chosen strategy, from the healer's pure strategy functions. */
function planFor(task: TaskRun, strategy: StrategyName, base: ChatMessage[], answer: InvalidAnswer): RepairPlan | undefined {
  const { spec, state, current } = task;
  switch (strategy) {
    case 'reask':
      return reask(base, answer.text, answer.errors);
    case 'regenerate':
      return regenerate(promptInput(task), answer.errors);
    case 'lower-temperature':
      return lowerTemperature(state.temperature ?? spec.model.temperature) ?? { strategy, temperature: 0, note: 'temperature 0' };
    case 'fallback-model':
      return fallbackModel(state.model ?? 'default', spec.model.fallbacks ?? [], current.usedModels) ?? { strategy, note: 'no fallback left' };
    case 'decompose':
      return decompose(promptInput(task));
    default:
      return undefined;
  }
}

/** Puts a plan into effect: the model and temperature it switches to, and the repair to send. */
function applyPlan(task: TaskRun, plan: RepairPlan, base: ChatMessage[], reason: string): Repair {
  const { state, current } = task;
  if (plan.temperature !== undefined) state.temperature = plan.temperature;
  if (plan.model !== undefined) {
    current.usedModels.push(plan.model);
    state.model = plan.model;
  }
  // A regenerated prompt becomes the base later repairs of this step start from.
  const messages = plan.messages ?? base;
  return {
    strategy: plan.strategy,
    note: `${plan.strategy}: ${plan.note} (${reason})`,
    base: plan.strategy === 'regenerate' ? messages : base,
    messages,
    ...(plan.subSteps ? { subSteps: plan.subSteps } : {}),
  };
}

/**
 * Decides how to heal an invalid answer. Local repair first where it applies: it costs no model
 * call and invents nothing. Otherwise the chooser picks a strategy from the failure analytics
 * (climbing the ladder when the same error repeats), and its plan becomes the next repair.
 */
export async function heal(task: TaskRun, base: ChatMessage[], answer: InvalidAnswer): Promise<HealDecision> {
  const { spec, state, current } = task;
  if (spec.healing === 'retry') return { kind: 'repair', repair: { strategy: 'retry', note: 'retry the same prompt', base, messages: base } };
  const context = {
    temperature: state.temperature ?? spec.model.temperature,
    fallbacksLeft: fallbackModel(state.model ?? 'default', spec.model.fallbacks ?? [], current.usedModels) ? 1 : 0,
    canDecompose: canDecompose(spec.outputSchema),
  };
  const applicable = applicableStrategies(answer.failureClass, context);
  if (applicable.includes('local-repair')) {
    const output = tryLocalRepair(task, answer);
    if (output !== undefined) return { kind: 'healed', output };
  }
  if (atFailureLimit(task)) return { kind: 'none' };
  const signature = errorSignature(answer.failureClass, answer.errors);
  current.signatures.push(signature);
  task.stats ??= await strategyStats({});
  const choice = chooseStrategy({
    failureClass: answer.failureClass,
    role: spec.role,
    model: state.model ?? 'default',
    // Local repair already ran on this answer; a rollback is the consecutive-failure rule's call,
    // or the chooser's answer once every repair is spent (it has no stats of its own to compete with).
    applicable: applicable.filter((s) => s !== 'local-repair' && s !== 'rollback'),
    triedThisStep: current.tried,
    signatureRepeats: repeats(current.signatures, signature),
    stats: task.stats,
    explorationRoll: Math.random(),
  });
  current.tried.push(choice.strategy);
  log.info('healer chose a strategy', { step: state.step, failureClass: answer.failureClass, strategy: choice.strategy, reason: choice.reason });
  const plan = planFor(task, choice.strategy, base, answer);
  if (!plan) return { kind: 'rollback' };
  return { kind: 'repair', repair: applyPlan(task, plan, base, choice.reason) };
}
