import { checkpointDiscarded, checkpointUnknown } from './errors';
import { holds, removeKey, restoreValue } from './journal';
import { storedValueOf } from './rows';
import type { Statements } from './statements';
import type { RollbackResult } from './types';

/**
 * Puts every key of the namespace changed after the checkpoint back to its last version at the
 * checkpoint (or deletes it), journaling each change as op `rollback`. Checkpoints marked after
 * this one describe a discarded future and are marked as discarded. Runs in the caller's transaction.
 */
export function rollbackNamespace(st: Statements, ns: string, checkpointId: string, writerCheckpoint: string | null, now: number): RollbackResult {
  const marker = st.checkpoint.get(ns, checkpointId);
  if (!marker) throw checkpointUnknown(ns, checkpointId);
  if (marker.discarded_by !== null) throw checkpointDiscarded(ns, checkpointId, marker.discarded_by);
  const result: RollbackResult = { restored: 0, removed: 0 };
  for (const { key } of st.changedSince.all(marker.seq, ns)) {
    const then = st.versionAsOf.get(ns, key, marker.seq);
    const value = then === undefined ? undefined : storedValueOf(then);
    if (value === undefined) {
      if (removeKey(st, ns, key, 'rollback', writerCheckpoint, now)) result.removed += 1;
    } else if (!holds(st.get.get(ns, key), value)) {
      restoreValue(st, ns, key, 'rollback', value, writerCheckpoint, now);
      result.restored += 1;
    }
  }
  st.discardCheckpointsAfter.run(checkpointId, ns, marker.seq);
  return result;
}
