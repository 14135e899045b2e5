export { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, canonicalEntry, canonicalLines } from './format';
export type { ProgressListener, SnapshotProgress } from './format';
export { readSnapshot } from './read';
export type { EntrySink, SnapshotRead } from './read';
export { writeSnapshot } from './write';
