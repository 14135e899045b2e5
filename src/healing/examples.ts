import type { OutputOf, OutputSchemaName } from './output-schemas';

/** The value an output schema accepts. */
export type { OutputOf } from './output-schemas';

/**
 * One worked example per output schema, shown to the model when a step is regenerated.
 * They illustrate shape only; one made-up mission (a bakery opening a second shop) keeps them
 * obviously unrelated to any real goal, so a model has no reason to copy their content.
 */
export const WORKED_EXAMPLES: { readonly [K in OutputSchemaName]: OutputOf<K> } = {
  research: {
    findings: [
      { claim: 'Foot traffic on Elm Street peaks at lunchtime', evidence: 'City pedestrian counts, spring survey', confidence: 0.7 },
    ],
    openQuestions: ['Is the lease negotiable for a five-year term?'],
  },
  analysis: {
    summary: 'A second shop is viable if the lunch trade carries the rent.',
    risks: [{ risk: 'Rent rises after the first year', severity: 'medium' }],
    opportunities: ['Catering for nearby offices'],
  },
  strategy: {
    positioning: 'The quick, fresh lunch stop of the office district.',
    initiatives: [{ name: 'Lunch boxes', rationale: 'Lunch is the peak of local demand', horizon: 'now' }],
    kpis: ['Lunch covers per day'],
  },
  critique: {
    verdict: 'revise',
    score: 6,
    issues: ['The rent estimate has no source'],
  },
  plan: {
    steps: [{ id: 's1', action: 'Visit three candidate shops', doneWhen: 'Each shop has a rent quote' }],
  },
  answer: {
    answer: 'Open on Elm Street, starting with lunch only.',
    confidence: 0.6,
  },
};

/** The worked example of a schema as the JSON text a model should produce. */
export function workedExample(name: OutputSchemaName): string {
  return JSON.stringify(WORKED_EXAMPLES[name]);
}
