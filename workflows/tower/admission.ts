/**
 * Admission across missions, pure: which queued missions start now. A running mission holds its
 * slots (its concurrency, clamped to the global limit) until it ends, so the agent tasks of all
 * admitted missions never exceed the tower's limit. The queue is strict: highest priority first
 * (1 before 5), then the earliest submission; a mission that does not fit blocks those behind it,
 * so a large mission is never starved by smaller ones.
 */
import type { TowerMission } from '../../src/contracts/tower';

const HOLDING: ReadonlySet<TowerMission['state']> = new Set(['starting', 'running', 'paused']);

export function holdsSlots(mission: TowerMission): boolean {
  return HOLDING.has(mission.state);
}

export function slotsInUse(missions: Iterable<TowerMission>): number {
  let used = 0;
  for (const m of missions) if (holdsSlots(m)) used += m.slots;
  return used;
}

/** Queued missions in the order they will be admitted (held ones included, where they stand). */
export function admissionOrder<M extends TowerMission>(missions: Iterable<M>): M[] {
  return [...missions].filter((m) => m.state === 'queued').sort((a, b) => a.priority - b.priority || a.submittedAt - b.submittedAt || (a.missionId < b.missionId ? -1 : 1));
}

/** The queued missions to start now, in order, given the global limit. A held (paused) mission is passed over. */
export function toAdmit<M extends TowerMission>(missions: Iterable<M>, limit: number): M[] {
  const all = [...missions];
  let free = limit - slotsInUse(all);
  const admitted: M[] = [];
  for (const m of admissionOrder(all)) {
    if (m.held) continue;
    if (m.slots > free) break;
    admitted.push(m);
    free -= m.slots;
  }
  return admitted;
}

/** 1-based place of a queued mission in admission order; undefined if it is not queued. */
export function positionOf(missions: Iterable<TowerMission>, missionId: string): number | undefined {
  const index = admissionOrder(missions).findIndex((m) => m.missionId === missionId);
  return index >= 0 ? index + 1 : undefined;
}
