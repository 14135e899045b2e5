import type { ChatMessage } from '../llm/provider';
import { describeOutputSchema, OutputSchemaName } from './output-schemas';

/** What a step prompt is built from; everything is workflow state, so building it is deterministic. */
export interface StepPromptInput {
  missionId: string;
  role: string;
  goal: string;
  outputSchema: OutputSchemaName;
  step: number;
  steps: number;
  previousOutputs: unknown[];
  hints: string[];
  /** Set after a rollback: why the task returned to its checkpoint. */
  rollbackNote?: string;
  /** Recalled memories, most relevant first, already cut to the prompt's memory budget. */
  memory?: string[];
}

const MAX_CONTEXT_CHARS = 2_000;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The first prompt of a step. */
export function stepMessages(input: StepPromptInput): ChatMessage[] {
  const system =
    `You are the ${input.role} agent of mission ${input.missionId}. ` +
    `Answer with one JSON object that matches this JSON Schema, and nothing else: ${describeOutputSchema(input.outputSchema)}`;
  const lines = [`Goal: ${input.goal}`, `Step ${input.step + 1} of ${input.steps}.`];
  const recent = input.previousOutputs.slice(-2);
  if (recent.length > 0) lines.push(`Your previous outputs (most recent last): ${clip(JSON.stringify(recent), MAX_CONTEXT_CHARS)}`);
  if (input.memory && input.memory.length > 0) lines.push(`Relevant memory (most relevant first):\n${input.memory.map((m) => `- ${m}`).join('\n')}`);
  if (input.hints.length > 0) lines.push(`Operator hints: ${input.hints.map((h) => `- ${h}`).join('\n')}`);
  if (input.rollbackNote) lines.push(input.rollbackNote);
  return [
    { role: 'system', content: system },
    { role: 'user', content: lines.join('\n') },
  ];
}

/** Reask: the step prompt, the offending answer, and the validation errors as diagnostics. */
export function reaskMessages(base: ChatMessage[], rawAnswer: string, errors: string[]): ChatMessage[] {
  return [
    ...base,
    { role: 'assistant', content: clip(rawAnswer, MAX_CONTEXT_CHARS) || '(empty answer)' },
    {
      role: 'user',
      content:
        `Your answer was rejected by validation:\n${errors.slice(0, 10).map((e) => `- ${e}`).join('\n')}\n` +
        'Answer again with only the corrected JSON object, no prose and no code fences.',
    },
  ];
}
