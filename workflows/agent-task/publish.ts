import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentTaskStatus } from '../../src/contracts/agent-task';
import { SA } from '../../src/contracts/search-attributes';
import type { TaskRun } from './task';

/** What the Web UI shows of a running task: search attributes, memo and current details. */
export function publish(task: TaskRun): void {
  const { spec, state } = task;
  upsertSearchAttributes([
    { key: SA.role, value: spec.role },
    { key: SA.mission, value: spec.missionId },
    { key: SA.status, value: state.status },
    { key: SA.healAttempts, value: state.healAttempts },
    { key: SA.escalated, value: state.status === 'escalated' },
    { key: SA.tokens, value: state.tokens },
  ]);
  const summary =
    `${state.status} · step ${Math.min(state.step + 1, spec.steps)}/${spec.steps} · attempts ${state.attempts}` +
    ` · heals ${state.healAttempts} · rollbacks ${state.rollbacks} · tokens ${state.tokens}`;
  const strategies = Object.entries(state.strategies ?? {})
    .map(([name, tally]) => `${name} ${tally.healed}/${tally.tried}`)
    .join(', ');
  upsertMemo({ summary, goal: state.goal, outputSchema: spec.outputSchema, tokens: state.tokens, strategies });
  setCurrentDetails(`**${spec.role}** — ${state.goal}\n\n${summary}${strategies ? `\n\nrepairs (healed/tried): ${strategies}` : ''}`);
}

export function setStatus(task: TaskRun, status: AgentTaskStatus): void {
  task.state.status = status;
  publish(task);
}
