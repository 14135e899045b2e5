/**
 * The tower's alerts, pure: which conditions hold in one observation, which alerts that raises and
 * which it clears. An alert is raised once when its condition starts (its key carries that time)
 * and cleared once when the condition ends, so a long episode is one alert, not one per tick.
 */
import type { AlertKind, HealthSnapshot, SwarmAlert, TowerLimits, TowerMission } from '../../src/contracts/tower';

interface Condition {
  kind: AlertKind;
  subject: string;
  severity: SwarmAlert['severity'];
  message: string;
}

const minutes = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`);

/** The conditions that hold now. */
export function conditions(now: number, limits: TowerLimits, missions: Iterable<TowerMission>, health: Pick<HealthSnapshot, 'queues' | 'failures'>): Condition[] {
  const found: Condition[] = [];
  for (const m of missions) {
    const quiet = now - m.lastProgressAt;
    if (m.state !== 'running' || quiet < limits.stuckAfterMs) continue;
    const asking = m.progress.asking > 0 ? `; ${m.progress.asking} question(s) wait for a person (dreamos mission status ${m.missionId})` : '';
    found.push({
      kind: 'stuck-mission',
      subject: m.missionId,
      severity: 'warning',
      message: `mission ${m.missionId} has reported no progress for ${minutes(quiet)} (${m.progress.settled}/${m.progress.total} tasks settled, ${m.progress.running} running)${asking}. Check its running tasks in the Web UI, or \`dreamos mission cancel ${m.missionId}\`.`,
    });
  }
  for (const q of health.queues) {
    if (q.backlog <= 0 || q.pollers > 0) continue;
    found.push({
      kind: 'queue-without-pollers',
      subject: `${q.queue}/${q.type}`,
      severity: 'critical',
      message: `task queue ${q.queue} has ${q.backlog} ${q.type} task(s) waiting (oldest ${minutes(q.backlogAgeMs)}) and no worker polling it. Start one (\`dreamos worker ${q.queue}\`) or check the scaler (\`dreamos swarm status\`).`,
    });
  }
  const { resolutionRate, chains } = health.failures;
  if (resolutionRate !== null && chains >= limits.minChainsForRate && resolutionRate < limits.minResolutionRate) {
    found.push({
      kind: 'low-resolution-rate',
      subject: 'swarm',
      severity: 'warning',
      message: `only ${Math.round(resolutionRate * 100)} % of the last hour's ${chains} failure chains were resolved (threshold ${Math.round(limits.minResolutionRate * 100)} %). See \`dreamos analytics report\` for the classes that are not healed.`,
    });
  }
  return found;
}

/** Alerts after an observation: those still active, and those raised and cleared by it. */
export function nextAlerts(now: number, active: readonly SwarmAlert[], holding: readonly Condition[]): { active: SwarmAlert[]; raised: SwarmAlert[]; cleared: SwarmAlert[] } {
  const id = (a: { kind: AlertKind; subject: string }) => `${a.kind}:${a.subject}`;
  const holdingIds = new Set(holding.map(id));
  const activeIds = new Set(active.map(id));
  const cleared = active.filter((a) => !holdingIds.has(id(a))).map((a) => ({ ...a, clearedAt: now }));
  const raised = holding.filter((c) => !activeIds.has(id(c))).map((c) => ({ ...c, key: `${id(c)}:${now}`, raisedAt: now }));
  const kept = active.filter((a) => holdingIds.has(id(a))).map((a) => {
    // The message follows the condition (how long, how many) while the alert stays the same one.
    const current = holding.find((c) => id(c) === id(a));
    return current ? { ...a, message: current.message } : a;
  });
  return { active: [...raised, ...kept], raised, cleared };
}
