/** A mission's graph as a tree and its result as JSON and markdown report files. */
import fs from 'node:fs';
import path from 'node:path';
import type { DecisionRecord, MissionGraph, MissionResult, MissionTaskView } from '../contracts/mission';

const MARK: Record<string, string> = { completed: '✔', abandoned: '✘', skipped: '⊘', running: '▶', asking: '?', deciding: '…', 'backing-off': '⏸', split: '⑃', waiting: '·' };

/** The mission as a tree: tasks by dependency, split parts under the task they stand for. */
export function graphTree(graph: Pick<MissionGraph, 'missionId' | 'tasks' | 'decisions' | 'pending' | 'tokens'> & { status: string }): string {
  const lines = [`mission ${graph.missionId} — ${graph.status} · tokens ${graph.tokens} · decisions ${graph.decisions.length}`];
  const children = new Map<string, MissionTaskView[]>();
  for (const task of graph.tasks) if (task.parent) children.set(task.parent, [...(children.get(task.parent) ?? []), task]);
  const line = (task: MissionTaskView, indent: string) => {
    const deps = task.handoffFrom ? ` · hand-off from ${task.handoffFrom}` : task.dependsOn.length > 0 && !task.parent ? ` ← ${task.dependsOn.join(', ')}` : '';
    const decisions = graph.decisions.filter((d) => d.taskId === task.taskId).map((d) => `${d.kind}${d.outcome ? `→${d.outcome}` : ''}`);
    lines.push(
      `${indent}${MARK[task.state] ?? '-'} ${task.taskId} [${task.role}] ${task.state} · runs ${task.attempts} · tokens ${task.tokens}${deps}` +
        `${decisions.length > 0 ? ` · decisions: ${decisions.join(', ')}` : ''}${task.reason ? ` · ${task.reason}` : ''}`,
    );
    for (const part of children.get(task.taskId) ?? []) line(part, `${indent}  `);
  };
  for (const task of graph.tasks.filter((t) => !t.parent)) line(task, '  ');
  for (const q of graph.pending) lines.push(`  ? waiting for a decision on ${q.taskId}: ${q.reason} (allowed: ${q.allowed.join(', ')}; default ${q.fallback} at ${new Date(q.deadline).toISOString()})`);
  return lines.join('\n');
}

/** The supervisor model's advice on a decision: `split followed`, `reassign overridden (no assignment left)`. */
export function adviceText(decision: DecisionRecord): string {
  const advice = decision.advice;
  if (!advice) return '';
  return `${advice.kind ? `${advice.kind} ` : ''}${advice.verdict}${advice.note ? ` (${advice.note})` : ''}`;
}

export function reportMarkdown(result: MissionResult): string {
  const rows = result.tasks.map((t) => `| ${t.taskId} | ${t.role} | ${t.state} | ${t.attempts} | ${t.decisions} | ${t.tokens} | ${t.reason ?? ''} |`);
  const decisions = result.decisions.map((d) => `| ${d.taskId} | ${d.index} | ${d.kind}${d.byPerson ? ' (person)' : ''} | ${d.cause} | ${d.reason} | ${d.detail ?? ''} | ${adviceText(d)} | ${d.outcome ?? ''} |`);
  return [
    `# Mission ${result.missionId}: ${result.status}`,
    '',
    `Duration ${(result.durationMs / 1000).toFixed(1)} s · tokens ${result.tokens} · decisions ${result.decisions.length} · at most ${result.peakRunning} task(s) at once`,
    '',
    '## Tasks',
    '',
    '| task | role | state | runs | decisions | tokens | reason |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Decisions',
    '',
    ...(decisions.length > 0 ? ['| task | # | decision | cause | reason | detail | model advice | outcome |', '|---|---|---|---|---|---|---|---|', ...decisions] : ['None.']),
    '',
    '## Outputs',
    '',
    ...Object.entries(result.outputs).flatMap(([taskId, outputs]) => [`### ${taskId}`, '', '```json', JSON.stringify(outputs, null, 2), '```', '']),
  ].join('\n');
}

/** Writes `<dir>/<missionId>.json` and `.md`; returns their paths. */
export function writeMissionReport(result: MissionResult, dir: string): { json: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${result.missionId}.json`);
  const markdown = path.join(dir, `${result.missionId}.md`);
  fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(markdown, reportMarkdown(result));
  return { json, markdown };
}
