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
