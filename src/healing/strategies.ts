import type { ChatMessage } from '../llm/provider';
import { categoryOf, FailureClass } from '../contracts/failure-taxonomy';
import { workedExample } from './examples';
import { describeOutputSchema } from './output-schemas';
import { reaskMessages, stepMessages, StepPromptInput } from './prompt';
import { normalizeError } from './signature';

/** The repair strategies, cheapest and least disruptive first; the healer climbs it. */
export const STRATEGY_LADDER = ['local-repair', 'reask', 'regenerate', 'lower-temperature', 'fallback-model', 'decompose', 'rollback'] as const;
export type StrategyName = (typeof STRATEGY_LADDER)[number];

/** Position of a strategy on the ladder (0 = cheapest). */
export function rungOf(strategy: StrategyName): number {
  return STRATEGY_LADDER.indexOf(strategy);
}

/** One part of a decomposed step: the model is asked for a single top-level field. */
export interface SubStep {
  /** The output schema field this sub-step produces. */
  field: string;
  /** The prompt asking for `{ "<field>": ... }` only. */
  messages: ChatMessage[];
}

/** What a repair strategy sends next; fields it does not change are left out. */
export interface RepairPlan {
  strategy: StrategyName;
  /** The conversation to send instead of the step prompt. */
  messages?: ChatMessage[];
  /** The sampling temperature to use from now on. */
  temperature?: number;
  /** The model to use from now on. */
  model?: string;
  /** One line for the heal attempt's record and the Web UI. */
  note: string;
  /** For `decompose`: the parts to ask for one by one, then assemble. */
  subSteps?: SubStep[];
}

/** What the workflow knows that decides whether a strategy can run at all. */
export interface StrategyContext {
  /** The current sampling temperature. */
  temperature: number;
  /** Fallback models not used yet for this step. */
  fallbacksLeft: number;
  /** Whether the output schema has more than one top-level field (see `canDecompose`). */
  canDecompose: boolean;
}

/**
 * The strategies that make sense for a failure class, in ladder order.
 * - Output faults (malformed JSON, schema violation, refusal, empty answer) get the whole ladder,
 *   except local repair for an empty answer (nothing to repair). A refusal keeps local repair:
 *   it is free, and an apology wrapped around a valid object is still a valid object.
 * - Transport faults say nothing about the prompt: only another model or a rollback can help.
 * - Infrastructure and logic failures are not the model's doing: only a rollback.
 * Lower temperature needs a temperature above 0, fallback model a fallback left, decompose a
 * schema with several fields.
 */
export function applicableStrategies(failureClass: FailureClass, context: StrategyContext): StrategyName[] {
  const category = categoryOf(failureClass);
  const possible = (strategy: StrategyName): boolean => {
    if (strategy === 'rollback') return true;
    if (strategy === 'fallback-model') return context.fallbacksLeft > 0 && category !== 'infrastructure' && category !== 'logic';
    if (category !== 'model-output') return false;
    if (strategy === 'local-repair') return failureClass !== 'empty-answer';
    if (strategy === 'lower-temperature') return context.temperature > 0;
    if (strategy === 'decompose') return context.canDecompose;
    return true;
  };
  return STRATEGY_LADDER.filter(possible);
}

/** Reask: the step prompt, the offending answer, and the validation errors as diagnostics. */
export function reask(base: ChatMessage[], rawAnswer: string, errors: string[]): RepairPlan {
  return {
    strategy: 'reask',
    messages: reaskMessages(base, rawAnswer, errors),
    note: `reask with ${errors.length} validation error${errors.length === 1 ? '' : 's'} as diagnostics`,
  };
}

const AVOID_LIMIT = 5;

/** The previous errors as distinct mistakes to avoid, values dropped so repeats collapse. */
function avoidList(errors: string[]): string[] {
  const seen = new Map<string, string>();
  for (const error of errors) {
    const key = normalizeError(error);
    if (!seen.has(key)) seen.set(key, error.length > 200 ? `${error.slice(0, 197)}...` : error);
  }
  return [...seen.values()].slice(0, AVOID_LIMIT);
}

/**
 * Regenerate: the step asked afresh with a restructured prompt (numbered instructions, the JSON
 * Schema, a worked example, the previous errors as things to avoid, output only).
 */
export function regenerate(input: StepPromptInput, errors: string[]): RepairPlan {
  const avoid = avoidList(errors);
  const instructions = [
    'Read the goal and context in the next message.',
    `Produce one JSON object that matches this JSON Schema: ${describeOutputSchema(input.outputSchema)}`,
    `This worked example shows the shape only; do not copy its content: ${workedExample(input.outputSchema)}`,
    ...(avoid.length > 0 ? [`A previous answer was rejected. Avoid these mistakes:\n${avoid.map((e) => `   - ${e}`).join('\n')}`] : []),
    'Output only the JSON object: no prose, no markdown, no code fences.',
  ];
  const system =
    `You are the ${input.role} agent of mission ${input.missionId}. Follow these instructions:\n` +
    instructions.map((line, i) => `${i + 1}. ${line}`).join('\n');
  const context = stepMessages(input).filter((message) => message.role === 'user');
  return {
    strategy: 'regenerate',
    messages: [{ role: 'system', content: system }, ...context],
    note: `regenerate with a restructured prompt, a worked example and ${avoid.length} mistake${avoid.length === 1 ? '' : 's'} to avoid`,
  };
}

const TEMPERATURE_STEP = 0.3;

/** Lower temperature: 0.3 less, not below 0; undefined when it is already 0. */
export function lowerTemperature(current: number): RepairPlan | undefined {
  if (!(current > 0)) return undefined;
  const temperature = Math.round(Math.max(0, current - TEMPERATURE_STEP) * 100) / 100;
  return { strategy: 'lower-temperature', temperature, note: `lower temperature from ${current} to ${temperature}` };
}

/**
 * Fallback model: the next model of `fallbacks` after `current` (the first one when `current` is
 * the primary), skipping any in `used`; undefined when none is left.
 */
export function fallbackModel(current: string, fallbacks: string[], used: string[] = []): RepairPlan | undefined {
  const position = fallbacks.indexOf(current);
  const model = fallbacks.slice(position + 1).find((name) => name !== current && !used.includes(name));
  if (model === undefined) return undefined;
  return { strategy: 'fallback-model', model, note: `switch model from ${current} to ${model}` };
}

export { assembleSubSteps, canDecompose, decompose, outputFields, validateSubStep } from './decompose';
