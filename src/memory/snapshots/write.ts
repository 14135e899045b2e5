import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ProgressListener, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './format';

/** Text gathered before each write: few system calls, bounded memory. */
const WRITE_CHUNK_CHARS = 1024 * 1024;

/**
 * Writes a file so readers see the old or the new content, never a part: `write` fills a temp
 * file, which is then fsynced and renamed over the target, and the folder fsynced.
 */
export function writeFileAtomic(file: string, write: (fd: number) => void): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      write(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** What the snapshot file holds. */
export interface SnapshotContent {
  namespaces: string[];
  /** Each entry's canonical JSON, in write order; iterated once, never held. */
  lines: Iterable<string>;
  /** How many lines there are, for progress. */
  total: number;
  createdAt: Date;
}

/**
 * Writes a version 2 snapshot, atomically and in bounded memory: a header line, one canonical
 * JSON line per entry, and a trailer with the entry count and the sha256 of every byte before it.
 */
export function writeSnapshot(file: string, content: SnapshotContent, onProgress?: ProgressListener): { entries: number; checksum: string; bytes: number } {
  const hash = createHash('sha256');
  let entries = 0;
  let bytes = 0;
  writeFileAtomic(file, (fd) => {
    let pending = `${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, createdAt: content.createdAt.toISOString(), namespaces: content.namespaces })}\n`;
    const flush = () => {
      hash.update(pending);
      bytes += fs.writeSync(fd, pending);
      pending = '';
    };
    for (const line of content.lines) {
      pending += `${line}\n`;
      entries += 1;
      if (pending.length < WRITE_CHUNK_CHARS) continue;
      flush();
      onProgress?.({ entries, bytes, totalEntries: content.total });
    }
    flush();
    const trailer = `${JSON.stringify({ entries, checksum: hash.copy().digest('hex') })}\n`;
    bytes += fs.writeSync(fd, trailer);
  });
  return { entries, checksum: hash.digest('hex'), bytes };
}
