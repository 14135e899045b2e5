import fs from 'node:fs';
import { MEMORY_ERRORS } from '../errors';
import { MAX_LINE_BYTES, REEXPORT, snapshotError } from './format';

/** Bytes read per call: large enough that system calls cost nothing, small enough to stay bounded. */
const CHUNK_BYTES = 1024 * 1024;

/** One line of a file, without its line break. */
export interface Line {
  /** 1-based. */
  number: number;
  /** The line's bytes; valid only until the next call to `next`. */
  bytes: Buffer;
  /** False for a last line that lacks its line break: the file was cut in the middle of it. */
  terminated: boolean;
}

/**
 * Reads a file line by line, synchronously (so an import can run inside one SQLite transaction),
 * holding one chunk and at most one line beyond it in memory.
 */
export class LineReader {
  /** Bytes of the file consumed so far, line breaks included. */
  bytesRead = 0;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private start = 0;
  private end = 0;
  private lineNumber = 0;
  private eof = false;

  constructor(
    private readonly fd: number,
    private readonly file: string,
  ) {}

  next(): Line | undefined {
    const carry: Buffer[] = [];
    let carried = 0;
    for (;;) {
      const newline = this.chunk.subarray(0, this.end).indexOf(10, this.start);
      if (newline >= 0) {
        const head = this.chunk.subarray(this.start, newline);
        this.start = newline + 1;
        return this.line(carried === 0 ? head : Buffer.concat([...carry, head]), true);
      }
      const rest = this.chunk.subarray(this.start, this.end);
      if (rest.length > 0) {
        carry.push(Buffer.from(rest));
        carried += rest.length;
        if (carried > MAX_LINE_BYTES) throw this.tooLong();
      }
      if (!this.fill()) return carried === 0 ? undefined : this.line(Buffer.concat(carry), false);
    }
  }

  private line(bytes: Buffer, terminated: boolean): Line {
    this.lineNumber += 1;
    this.bytesRead += bytes.length + (terminated ? 1 : 0);
    return { number: this.lineNumber, bytes, terminated };
  }

  /** Reads the next chunk; false at the end of the file. */
  private fill(): boolean {
    if (this.eof) return false;
    this.start = 0;
    this.end = fs.readSync(this.fd, this.chunk, 0, CHUNK_BYTES, null);
    this.eof = this.end === 0;
    return !this.eof;
  }

  private tooLong() {
    return snapshotError(MEMORY_ERRORS.snapshotInvalid, this.file, `has a line ${this.lineNumber + 1} longer than ${MAX_LINE_BYTES / 1024 / 1024} MB, longer than any valid header or entry.`, `The file was damaged or is not a snapshot. ${REEXPORT}`);
  }
}
