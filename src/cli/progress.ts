import type { SnapshotProgress } from '../memory';

/** Long enough that a quick export or import prints nothing but its result. */
const PRINT_EVERY_MS = 1_000;

const thousands = (n: number) => Math.round(n).toLocaleString('en-US').replaceAll(',', ' ');
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);
const percent = (part: number, whole: number) => (whole > 0 ? ` (${Math.floor((100 * part) / whole)} %)` : '');

/** One progress line: entries and MB done, of how many when known, and the rates so far. */
export function describeProgress(verb: string, p: SnapshotProgress, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const entries = p.totalEntries === undefined ? `${thousands(p.entries)} entries` : `${thousands(p.entries)} of ${thousands(p.totalEntries)} entries${percent(p.entries, p.totalEntries)}`;
  const bytes = p.totalBytes === undefined ? `${megabytes(p.bytes)} MB` : `${megabytes(p.bytes)} of ${megabytes(p.totalBytes)} MB${percent(p.bytes, p.totalBytes)}`;
  return `${verb}: ${entries}, ${bytes}, ${thousands(p.entries / seconds)} entries/s, ${megabytes(p.bytes / seconds)} MB/s`;
}

/**
 * Progress of a long export or import on stderr (stdout keeps the result alone), about once a
 * second: rewritten in place on a terminal, one line each time otherwise.
 */
function progressPrinter(verb: string, stream: NodeJS.WriteStream, now: () => number) {
  const started = now();
  let last = started;
  let printed = false;
  return {
    report(p: SnapshotProgress): void {
      const at = now();
      if (at - last < PRINT_EVERY_MS) return;
      last = at;
      printed = true;
      stream.write(stream.isTTY ? `\r${describeProgress(verb, p, at - started)}\x1b[K` : `${describeProgress(verb, p, at - started)}\n`);
    },
    /** Ends a line rewritten in place, so the result starts on a line of its own. */
    done(): void {
      if (printed && stream.isTTY) stream.write('\n');
    },
  };
}

/** Runs a long operation with its progress printed (see progressPrinter); the line is ended however it finishes. */
export function withProgress<T>(verb: string, run: (report: (p: SnapshotProgress) => void) => T, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): T {
  const printer = progressPrinter(verb, stream, now);
  try {
    return run(printer.report);
  } finally {
    printer.done();
  }
}
