import { z } from 'zod';

/**
 * The output schemas an agent task can name (`outputSchema` in a task file).
 * Pure and deterministic: imported by workflow code to validate model answers. The schema objects
 * stay private to this module and are reached through `outputSchema()`: workers preload this
 * module into the workflow sandbox, where every exported object is frozen, and zod schemas
 * define their methods lazily on first use.
 */
const confidence = z.number().min(0).max(1);

/** What an answer's schema shows the model and what decomposing builds field by field (no hand-off). */
const ANSWER_SCHEMAS = {
  research: z.object({
    findings: z.array(z.object({ claim: z.string().min(3), evidence: z.string().min(3), confidence })).min(1).max(8),
    openQuestions: z.array(z.string()).max(8),
  }),
  analysis: z.object({
    summary: z.string().min(10),
    risks: z.array(z.object({ risk: z.string().min(3), severity: z.enum(['low', 'medium', 'high']) })).max(8),
    opportunities: z.array(z.string().min(3)).max(8),
  }),
  strategy: z.object({
    positioning: z.string().min(10),
    initiatives: z
      .array(z.object({ name: z.string().min(3), rationale: z.string().min(3), horizon: z.enum(['now', 'next', 'later']) }))
      .min(1)
      .max(8),
    kpis: z.array(z.string().min(2)).min(1).max(8),
  }),
  critique: z.object({
    verdict: z.enum(['accept', 'revise']),
    score: z.number().int().min(0).max(10),
    issues: z.array(z.string().min(3)).max(8),
  }),
  plan: z.object({
    steps: z.array(z.object({ id: z.string().min(1), action: z.string().min(3), doneWhen: z.string().min(3) })).min(1).max(12),
  }),
  answer: z.object({
    answer: z.string().min(1),
    confidence,
  }),
} as const;

/**
 * A follow-up the agent names for another role; in a mission the supervisor turns it into a new
 * task (workflows/mission/handoff.ts). Every output schema accepts it, optional: the model is told
 * about it only when its task offers hand-offs (`handoffTo` in a mission file), so the schema text
 * of a step prompt leaves it out.
 */
export const HANDOFF_FIELD = 'handoff';
const handoff = z.object({ role: z.string().trim().min(1).max(40), goal: z.string().trim().min(3).max(1000) }).optional();

const OUTPUT_SCHEMAS = {
  research: ANSWER_SCHEMAS.research.extend({ handoff }),
  analysis: ANSWER_SCHEMAS.analysis.extend({ handoff }),
  strategy: ANSWER_SCHEMAS.strategy.extend({ handoff }),
  critique: ANSWER_SCHEMAS.critique.extend({ handoff }),
  plan: ANSWER_SCHEMAS.plan.extend({ handoff }),
  answer: ANSWER_SCHEMAS.answer.extend({ handoff }),
} as const;

export type OutputSchemaName = keyof typeof OUTPUT_SCHEMAS;
/** The value a valid answer of schema `K` parses to. */
export type OutputOf<K extends OutputSchemaName> = z.infer<(typeof OUTPUT_SCHEMAS)[K]>;
export const OUTPUT_SCHEMA_NAMES = Object.keys(OUTPUT_SCHEMAS) as OutputSchemaName[];

export function isOutputSchemaName(name: string): name is OutputSchemaName {
  return Object.prototype.hasOwnProperty.call(OUTPUT_SCHEMAS, name);
}

export function outputSchema<K extends OutputSchemaName>(name: K): (typeof OUTPUT_SCHEMAS)[K] {
  return OUTPUT_SCHEMAS[name];
}

const descriptions = new Map<OutputSchemaName, string>();

/** The JSON Schema text given to the model, so it knows the expected shape (without the hand-off). Computed once per schema. */
export function describeOutputSchema(name: OutputSchemaName): string {
  let text = descriptions.get(name);
  if (text === undefined) {
    text = JSON.stringify(z.toJSONSchema(ANSWER_SCHEMAS[name]));
    descriptions.set(name, text);
  }
  return text;
}

/** The fields of an answer, in schema order: what decomposing asks for one by one (the hand-off is not one). */
export function answerFields(name: OutputSchemaName): string[] {
  return Object.keys(ANSWER_SCHEMAS[name].shape);
}
