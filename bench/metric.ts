/** One line of bench/results.json. */
export interface Metric {
  /** `<area>.<metric>`, e.g. `agentStep.throughputRatio`. */
  name: string;
  value: number;
  unit: string;
  /** The same-run baseline the value is compared with (null when the metric is absolute). */
  baseline: number | null;
  /** The goal, e.g. `>= 0.6` or `< 2`. */
  target: string;
  /** Raw figures behind the value (rates, counts), for the README and for debugging. */
  details?: Record<string, number | string>;
}

/** A benchmark group; `npm run bench -- <prefix>` runs the groups whose name starts with it. */
export interface Benchmark {
  name: string;
  run(progress: (line: string) => void): Promise<Metric[]>;
}

/** Whether a target is a bound (`>= x` …) rather than a note such as `reported`. */
export function hasTarget(target: string): boolean {
  return /^(>=|>|<=|<)\s*-?[\d.]+$/.test(target.trim());
}

/** Whether `value` meets a target written as `>= x`, `> x`, `<= x` or `< x`. */
export function meetsTarget(value: number, target: string): boolean {
  const match = /^(>=|>|<=|<)\s*(-?[\d.]+)$/.exec(target.trim());
  if (!match) return false;
  const bound = Number(match[2]);
  switch (match[1]) {
    case '>=':
      return value >= bound;
    case '>':
      return value > bound;
    case '<=':
      return value <= bound;
    default:
      return value < bound;
  }
}

/** A whole-number setting read from `raw` (an environment value; `fallback` when unset or empty); anything else is an error naming it. */
export function parseBenchSetting(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min) return value;
  throw new Error(`${name}=${JSON.stringify(raw)} is not a whole number >= ${min}. Fix: set it to one, or unset it for the default (${fallback}).`);
}

/** A bench setting from the environment; a bad value stops `npm run bench` with the reason before anything runs. */
export function benchSetting(name: string, fallback: number, min = 0): number {
  try {
    return parseBenchSetting(name, process.env[name], fallback, min);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}

/** `x` rounded to `digits` decimals, for the figures in results.json. */
export function round(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** A small deterministic PRNG (mulberry32), so every run generates the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
