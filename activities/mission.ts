import type { EscalationContext } from '../src/contracts/agent-task';
import type { FailureClass } from '../src/contracts/failure-taxonomy';
import type { FailureStore } from '../src/analytics/store';
import type { SQLiteMemory } from '../src/memory';
import { clipJson } from '../workflows/mission/text';

export interface GatherContextInput {
  missionId: string;
  taskId: string;
  /** The failed child runs of this task, oldest first. */
  workflowIds: string[];
  /** Workflow time the task's first run started (chains before it are not its own). */
  since: number;
  escalation?: EscalationContext;
  /** Validated outputs of the tasks it depends on and of its completed siblings. */
  dependencyOutputs: Record<string, unknown[]>;
  siblingOutputs: Record<string, unknown[]>;
}

/** What the supervisor knows when it decides; small enough for workflow history. */
export interface GatheredContext {
  /** Failure classes of the task's runs, most frequent first. */
  failureClasses: FailureClass[];
  chains: { total: number; resolved: number; abandoned: number; open: number };
  /** The mission's most important memories. */
  missionMemory: string[];
  /** One paragraph for the person asked and the analytics event. */
  summary: string;
}

const CHAIN_SCAN_LIMIT = 5_000;

/**
 * Gathers what several agents know about an escalated task: its failure chains and their classes
 * from the analytics store, the mission's memory, and the outputs of its dependencies and siblings
 * (passed in by the mission). Read-only, so a retry is harmless. Runs on the nexus queue, which owns
 * both SQLite files.
 */
export const createMissionActivities = (store: FailureStore, memory: SQLiteMemory) => ({
  async gatherEscalationContext(input: GatherContextInput): Promise<GatheredContext> {
    const own = new Set(input.workflowIds);
    const chains = store.chains({ since: input.since - 60_000, limit: CHAIN_SCAN_LIMIT }).filter((c) => own.has(c.workflowId));
    const classes = new Map<FailureClass, number>();
    for (const chain of chains) {
      for (const event of store.eventsOfChain(chain.chainId)) {
        if (event.failureClass && event.failureClass !== 'escalation') classes.set(event.failureClass, (classes.get(event.failureClass) ?? 0) + 1);
      }
    }
    const failureClasses = [...classes.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    const tally = { total: chains.length, resolved: 0, abandoned: 0, open: 0 };
    for (const chain of chains) tally[chain.resolution] += 1;
    const missionMemory = memory.recall({ namespaces: [`mission:${input.missionId}`], limit: 5, maxChars: 1_200 }).map((m) => m.content);
    const failures = (input.escalation?.recentFailures ?? []).slice(-3).map((f) => `${f.kind}: ${f.message.slice(0, 120)}`);
    const summary = [
      `${input.taskId}: ${input.escalation ? `escalated (${input.escalation.reason}) at step ${input.escalation.step + 1}` : 'ended without escalating'} after ${input.workflowIds.length} run(s)`,
      `failure classes: ${failureClasses.join(', ') || 'none recorded'}; chains ${tally.total} (${tally.resolved} resolved, ${tally.abandoned} abandoned)`,
      failures.length > 0 ? `recent failures: ${failures.join(' | ')}` : '',
      Object.keys(input.dependencyOutputs).length > 0 ? `inputs: ${clipJson(input.dependencyOutputs, 300)}` : '',
      Object.keys(input.siblingOutputs).length > 0 ? `siblings done: ${Object.keys(input.siblingOutputs).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    return { failureClasses, chains: tally, missionMemory, summary };
  },
});

export type MissionActivities = ReturnType<typeof createMissionActivities>;
