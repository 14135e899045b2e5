export { SQLiteMemory, DEFAULT_SHORT_TERM_WINDOW } from './SQLiteMemory';
export { MEMORY_ERRORS } from './errors';
export type { MemoryErrorCode } from './errors';
export { agentNamespace, missionNamespace } from './namespaces';
export { LATEST_SCHEMA_VERSION, MIGRATIONS } from './schema';
export { LIMITS } from './validate';
export { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshots';
export type { SnapshotProgress, ProgressListener } from './snapshots';
export * from './types';
