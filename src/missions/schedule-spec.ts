/**
 * When a mission schedule runs, as a person writes it (`--every 1h` or `--cron "0 9 * * 1-5"`), checked
 * before anything is sent to Temporal. The server checks a cron expression again in full.
 */
import { DreamError } from '../errors';
import { parseDuration } from '../analytics/duration';
import { PRIORITIES } from '../contracts/tower';

export type MissionScheduleSpec = { kind: 'every'; everyMs: number; text: string } | { kind: 'cron'; cron: string };

const EVERY_FIX = 'Write a whole number of seconds, minutes, hours or days, at least 1s: 30s, 5m, 1h, 1d.';

function interval(text: string): MissionScheduleSpec {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new DreamError('SCHEDULE_INTERVAL_INVALID', `--every "${text}" is not an interval.`, EVERY_FIX);
  }
  if (ms < 1_000 || ms % 1_000 !== 0) throw new DreamError('SCHEDULE_INTERVAL_INVALID', `--every "${text}" is not a whole number of seconds (at least 1s); Temporal schedules count in seconds.`, EVERY_FIX);
  return { kind: 'every', everyMs: ms, text: text.trim() };
}

/** 5 fields (minute hour day-of-month month day-of-week), 6 or 7 with seconds and year, or a shorthand like `@hourly`. */
function cron(text: string): MissionScheduleSpec {
  const trimmed = text.trim();
  const fields = trimmed.split(/\s+/).filter(Boolean).length;
  const shorthand = /^@\w+/.test(trimmed);
  if (!shorthand && (fields < 5 || fields > 7)) {
    throw new DreamError('SCHEDULE_CRON_INVALID', `--cron "${text}" has ${fields} field(s).`, 'Give five fields, minute hour day-of-month month day-of-week, e.g. --cron "0 9 * * 1-5" (09:00 UTC on weekdays), or a shorthand like "@hourly".');
  }
  return { kind: 'cron', cron: trimmed };
}

/** Exactly one of `--every` and `--cron`. */
export function parseScheduleSpec(options: { every?: string; cron?: string }): MissionScheduleSpec {
  if (options.every !== undefined && options.cron !== undefined) {
    throw new DreamError('SCHEDULE_SPEC_CONFLICT', 'Both --every and --cron were given.', 'Give one of them: --every 1h, or --cron "0 9 * * *".');
  }
  if (options.every !== undefined) return interval(options.every);
  if (options.cron !== undefined) return cron(options.cron);
  throw new DreamError('SCHEDULE_SPEC_MISSING', 'No --every or --cron: the schedule would never run.', 'Add --every <interval> (e.g. --every 1h) or --cron "<expression>" (e.g. --cron "0 9 * * *").');
}

/** `every 1h` or `cron "0 9 * * *"`: how lists and messages show a spec. */
export function describeScheduleSpec(spec: MissionScheduleSpec): string {
  return spec.kind === 'every' ? `every ${spec.text}` : `cron "${spec.cron}"`;
}

/** A priority given on the command line: 1 (first) to 5 (last). */
export function parsePriority(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || !(PRIORITIES as readonly number[]).includes(value)) {
    throw new DreamError('SCHEDULE_PRIORITY_INVALID', `--priority "${text}" is not a priority.`, `Give a whole number from ${PRIORITIES[0]} (runs first) to ${PRIORITIES[PRIORITIES.length - 1]} (runs last); default 3.`);
  }
  return value;
}
