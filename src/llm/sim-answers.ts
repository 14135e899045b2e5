/**
 * Plausible structured answers of the `sim` model, one generator per task type.
 * Every generator draws only from `rng`, so an answer is a function of the prompt hash.
 */
export type Rng = () => number;

const VERBS = ['expand', 'validate', 'reduce', 'prioritise', 'test', 'partner on', 'price', 'automate'];
const NOUNS = ['onboarding', 'retention', 'enterprise tier', 'self-serve funnel', 'channel mix', 'support load', 'pricing page', 'usage analytics'];
const RISKS = ['competitor price cut', 'churn in small accounts', 'regulatory change', 'vendor lock-in', 'slow sales cycle', 'model cost growth'];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function count(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function many<T>(rng: Rng, min: number, max: number, make: (i: number) => T): T[] {
  return Array.from({ length: count(rng, min, max) }, (_, i) => make(i));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function idea(rng: Rng, topic: string): string {
  return `${pick(rng, VERBS)} ${pick(rng, NOUNS)} for ${topic}`;
}

const GENERATORS: Record<string, (rng: Rng, topic: string) => unknown> = {
  research: (rng, topic) => ({
    findings: many(rng, 1, 4, () => ({
      claim: `Demand for ${topic} grows with ${pick(rng, NOUNS)}`,
      evidence: `${count(rng, 12, 87)}% of surveyed buyers mention ${pick(rng, NOUNS)}`,
      confidence: round2(0.5 + rng() * 0.45),
    })),
    openQuestions: many(rng, 0, 3, () => `How does ${pick(rng, NOUNS)} affect ${topic}?`),
  }),
  analysis: (rng, topic) => ({
    summary: `For ${topic}, the strongest lever is ${pick(rng, NOUNS)}; the main exposure is ${pick(rng, RISKS)}.`,
    risks: many(rng, 1, 4, () => ({ risk: pick(rng, RISKS), severity: pick(rng, ['low', 'medium', 'high'] as const) })),
    opportunities: many(rng, 1, 4, () => idea(rng, topic)),
  }),
  strategy: (rng, topic) => ({
    positioning: `The dependable choice for ${topic}, winning on ${pick(rng, NOUNS)}.`,
    initiatives: many(rng, 1, 4, () => ({
      name: idea(rng, topic),
      rationale: `addresses ${pick(rng, RISKS)}`,
      horizon: pick(rng, ['now', 'next', 'later'] as const),
    })),
    kpis: many(rng, 1, 3, () => `${pick(rng, NOUNS)} conversion`),
  }),
  critique: (rng, topic) => ({
    verdict: rng() < 0.6 ? 'accept' : 'revise',
    score: count(rng, 4, 9),
    issues: many(rng, 0, 3, () => `unclear impact of ${pick(rng, RISKS)} on ${topic}`),
  }),
  plan: (rng, topic) => ({
    steps: many(rng, 1, 5, (i) => ({ id: `s${i + 1}`, action: idea(rng, topic), doneWhen: `${pick(rng, NOUNS)} metric moves` })),
  }),
  answer: (rng, topic) => ({ answer: `On ${topic}: ${idea(rng, topic)}.`, confidence: round2(0.4 + rng() * 0.55) }),
};

/** A valid answer for `taskType` (unknown types get the generic `answer` shape). */
export function simAnswer(taskType: string, rng: Rng, topic: string): unknown {
  return (GENERATORS[taskType] ?? GENERATORS.answer)(rng, topic);
}

/** A JSON value of the task's rough shape that breaks its schema (wrong types, missing fields). */
export function simSchemaViolation(taskType: string, rng: Rng, topic: string): unknown {
  const valid = simAnswer(taskType, rng, topic) as Record<string, unknown>;
  const keys = Object.keys(valid);
  const broken: Record<string, unknown> = { ...valid };
  delete broken[keys[0]];
  if (keys.length > 1) broken[keys[1]] = 'n/a';
  broken.note = `draft about ${topic}`;
  return broken;
}

/** The marker of a step prompt whose task may hand off (the mission's offer, workflows/mission/handoff.ts). */
const HANDOFF_OFFER = /Hand-off: .*\{"role": <one of: ([^>]+)>/;

/**
 * A follow-up for another role, the way a model takes up the offer: only when the prompt offers
 * hand-offs and the goal asks for a follow-up, to the first role offered. Draws nothing from the
 * answer's random stream, so an answer without it is unchanged.
 */
export function simHandoff(prompt: string, topic: string): { role: string; goal: string } | undefined {
  const offer = HANDOFF_OFFER.exec(prompt);
  const goal = /Goal:\s*(.+)/.exec(prompt)?.[1] ?? '';
  if (!offer || !/follow[- ]up/i.test(goal)) return undefined;
  const role = offer[1].split(',')[0].trim();
  return role ? { role, goal: `Follow up on ${topic}: take the previous agent's output further as the ${role}.` } : undefined;
}
