/**
 * The `sim` model answering as a mission's supervisor (task type `supervisor`): it reads the advice
 * prompt's marker lines (workflows/mission/advice.ts) and advises the way a plausible model would,
 * flaws included: it favours splitting a task whose answers are bad and does not weigh the split
 * depth it is told, so the policy has advice to override. Its output faults (malformed JSON,
 * schema violations, empty answers) come from the same rates and rules as every other role's.
 */
import type { Rng } from './sim-answers';

const TRANSIENT = /rate-limit|model-timeout|server-error|unreachable|heartbeat-timeout|worker-lost|terminated|timed-out/;
const BAD_OUTPUT = /empty-answer|schema-violation|malformed-json|refusal|rollback-limit|attempt-budget/;

function line(prompt: string, marker: string): string {
  const match = new RegExp(`^${marker}:\\s*(.*)$`, 'm').exec(prompt);
  return match?.[1]?.trim() ?? '';
}

/** Advice for the task the prompt describes. */
export function simAdvice(prompt: string, rng: Rng): Record<string, unknown> {
  const cause = `${line(prompt, 'Cause')} ${line(prompt, 'Failure classes')}`;
  const history = line(prompt, 'Decisions so far');
  const left = line(prompt, 'Assignments left');
  const role = /role ([^,;]+)/.exec(left)?.[1]?.trim();
  if (TRANSIENT.test(cause)) return { decision: 'retry-later', reason: `The failure (${cause.trim()}) looks transient; the same task should pass once the model recovers.` };
  if (BAD_OUTPUT.test(cause) && !history.includes('split')) {
    return { decision: 'split', reason: 'The answers keep failing validation: the task is too broad for one agent; smaller parts should pass.', parts: 2 + Math.floor(rng() * 2) };
  }
  if (role) return { decision: 'reassign', reason: `Another agent may succeed where this one failed; hand it to the ${role}.`, role };
  return { decision: 'abandon', reason: 'No assignment is left and the task keeps failing; give it up so its budget serves the rest.' };
}

/** Advice-like JSON that fails the advice schema, as models get it wrong: an unknown decision, no reason. */
export function simAdviceViolation(rng: Rng): Record<string, unknown> {
  return rng() < 0.5 ? { decision: 'escalate-to-human', reason: 'A person should look at this.' } : { action: 'reassign', confidence: 0.7 };
}
