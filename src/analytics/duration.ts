import { DreamError } from '../errors';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `90s`, `30m`, `1h`, `2d`, `1w` (or a plain number of ms) → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new DreamError('ANALYTICS_BAD_DURATION', `"${text}" is not a duration.`, 'Write a number with a unit: 90s, 30m, 1h, 2d or 1w.');
  }
  return Math.round(ms);
}

/** A short human form: `850 ms`, `12.4 s`, `3 m 05 s`, `2 h 10 m`, `3 d 4 h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} m ${pad(Math.floor((ms % 60_000) / 1_000))} s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ${pad(Math.floor((ms % 3_600_000) / 60_000))} m`;
  return `${Math.floor(ms / 86_400_000)} d ${Math.floor((ms % 86_400_000) / 3_600_000)} h`;
}
