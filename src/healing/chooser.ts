import type { FailureClass } from '../contracts/failure-taxonomy';
import { rungOf, StrategyName } from './strategies';

/** One row of the failure analytics store: how a strategy fared for a class, role and model. */
export interface StrategyStatRow {
  failureClass: string;
  role: string;
  model: string;
  strategy: string;
  attempts: number;
  successes: number;
}

/** Everything the chooser decides from; all workflow state, so the choice is deterministic. */
export interface ChooserInput {
  /** The class of the failure being healed. */
  failureClass: FailureClass;
  /** The agent's role, e.g. "critic". */
  role: string;
  /** The model that produced the failure. */
  model: string;
  /** The strategies that can run at all (see `applicableStrategies`). */
  applicable: StrategyName[];
  /** Strategies already used for this step, oldest first. */
  triedThisStep: StrategyName[];
  /** How many times in a row the current error signature occurred (see `repeats`). */
  signatureRepeats: number;
  /** Strategy outcomes from the failure analytics store. */
  stats: StrategyStatRow[];
  /** A number in [0, 1) from the workflow's deterministic Math.random. */
  explorationRoll: number;
  /** Chance of exploring the least-tried candidate instead of the best. Default 0.1. */
  explorationRate?: number;
  /** Repeats of one error signature that count as a loop. Default 2. */
  loopThreshold?: number;
}

/** The chosen strategy, why (shown in the Temporal Web UI) and its success score in [0, 1]. */
export interface StrategyChoice {
  strategy: StrategyName;
  reason: string;
  score?: number;
}

const DEFAULT_EXPLORATION_RATE = 0.1;
const DEFAULT_LOOP_THRESHOLD = 2;
/** A strategy tried this often in one step is left for others. */
const MAX_TRIES_PER_STEP = 2;
/** Below this many attempts for the role and model, the class-wide record decides. */
const MIN_SPECIFIC_ATTEMPTS = 5;

export interface Tally {
  attempts: number;
  successes: number;
}

interface Candidate {
  strategy: StrategyName;
  score: number;
  /** Attempts for this class, role and model: what exploration balances. */
  specificAttempts: number;
  /** Where the score came from, for the reason. */
  evidence: string;
}

function total(rows: StrategyStatRow[]): Tally {
  return rows.reduce((sum, row) => ({ attempts: sum.attempts + row.attempts, successes: sum.successes + row.successes }), {
    attempts: 0,
    successes: 0,
  });
}

/** Laplace-smoothed success rate: 0.5 with no data, pulled towards the observed rate as data grows. */
export function successScore(tally: Tally): number {
  return (tally.successes + 1) / (tally.attempts + 2);
}

function candidate(input: ChooserInput, strategy: StrategyName): Candidate {
  const forClass = input.stats.filter((row) => row.failureClass === input.failureClass && row.strategy === strategy);
  const specific = total(forClass.filter((row) => row.role === input.role && row.model === input.model));
  if (specific.attempts >= MIN_SPECIFIC_ATTEMPTS) {
    const evidence = `${specific.successes}/${specific.attempts} successes for ${input.role} on ${input.model}`;
    return { strategy, score: successScore(specific), specificAttempts: specific.attempts, evidence };
  }
  const classWide = total(forClass);
  const evidence = classWide.attempts > 0 ? `${classWide.successes}/${classWide.attempts} successes class-wide` : 'no history, prior 0.5';
  return { strategy, score: successScore(classWide), specificAttempts: specific.attempts, evidence };
}

function byLadder(a: StrategyName, b: StrategyName): number {
  return rungOf(a) - rungOf(b);
}

/** Steps (a) and (b): the candidates left after loop detection and the per-step try limit. */
function remainingCandidates(input: ChooserInput): { strategies: StrategyName[]; notes: string[] } {
  const notes: string[] = [];
  let strategies = [...new Set(input.applicable)].sort(byLadder);
  const last = input.triedThisStep[input.triedThisStep.length - 1];
  if (last !== undefined && input.signatureRepeats >= (input.loopThreshold ?? DEFAULT_LOOP_THRESHOLD)) {
    strategies = strategies.filter((s) => rungOf(s) > rungOf(last));
    notes.push(`same error ${input.signatureRepeats}x after ${last}, climbing the ladder`);
  }
  const tries = (s: StrategyName): number => input.triedThisStep.filter((t) => t === s).length;
  const fresh = strategies.filter((s) => tries(s) < MAX_TRIES_PER_STEP);
  if (fresh.length === 0 && strategies.length > 0) {
    notes.push(`every candidate already tried ${MAX_TRIES_PER_STEP}x`);
  } else if (fresh.length < strategies.length) {
    const spent = strategies.filter((s) => !fresh.includes(s));
    notes.push(`${spent.join(', ')} already tried ${MAX_TRIES_PER_STEP}x`);
    strategies = fresh;
  }
  return { strategies, notes };
}

/**
 * Chooses the next repair strategy for a failed step.
 *
 * (a) The candidates are the applicable strategies. When the same error signature has repeated
 *     `loopThreshold` times or more, the strategy used last and every rung below it are excluded:
 *     the healer moves up the ladder instead of repeating itself.
 * (b) A strategy already tried twice this step is excluded, unless nothing else is left.
 * (c) Each candidate scores its Laplace-smoothed success rate (successes+1)/(attempts+2) from the
 *     stats of this failure class, role and model; with fewer than 5 such attempts, from the stats
 *     of the failure class alone (any role or model); with none, the prior 0.5.
 * (d) When `explorationRoll < explorationRate` it explores: the candidate with the fewest attempts
 *     for this class, role and model wins, ties going to the lower rung.
 * (e) Otherwise the highest score wins, ties going to the lower rung.
 * (f) With no candidate left it is 'rollback': the ladder is exhausted.
 */
export function chooseStrategy(input: ChooserInput): StrategyChoice {
  const { strategies, notes } = remainingCandidates(input);
  const prefix = notes.length > 0 ? `${notes.join('; ')}; ` : '';
  if (strategies.length === 0) return { strategy: 'rollback', reason: `${prefix}ladder exhausted` };

  const candidates = strategies.map((s) => candidate(input, s));
  if (input.explorationRoll < (input.explorationRate ?? DEFAULT_EXPLORATION_RATE)) {
    const pick = candidates.reduce((best, c) => (c.specificAttempts < best.specificAttempts ? c : best));
    const reason = `${prefix}explore: ${pick.strategy} is the least tried for ${input.role} on ${input.model} (${pick.specificAttempts} attempts)`;
    return { strategy: pick.strategy, reason, score: pick.score };
  }
  const pick = candidates.reduce((best, c) => (c.score > best.score ? c : best));
  const reason = `${prefix}best for ${input.failureClass}: ${pick.strategy}, score ${pick.score.toFixed(2)} (${pick.evidence})`;
  return { strategy: pick.strategy, reason, score: pick.score };
}
