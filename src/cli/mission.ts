import path from 'node:path';
import { Argument, Command, Option } from 'commander';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { DreamError } from '../errors';
import { MissionResult, missionWorkflowId, pauseMissionSignal, resumeMissionSignal } from '../contracts/mission';
import type { MissionAction } from '../contracts/tower';
import { MissionInput, PERSON_DECISIONS, PersonDecision } from '../contracts/mission-spec';
import { getMission, listMissions, MissionHandle, missionGraph, sendDecision, startMission, watchMission } from '../missions/mission-client';
import { controlMission, submitThroughTower, towerRunning, towerState } from '../missions/tower-client';
import { adviceText, graphTree, writeMissionReport } from '../missions/report';
import { say, withClient } from './context';
import { notFound } from './inspect';

/** Where mission reports go: `<home>/reports/` (DREAMOS_HOME, default .dreamos). */
export function reportsDir(home: string): string {
  return path.join(home, 'reports');
}

/** Prints a mission's result, one line per task of its file; true when every task completed. */
export function printMissionResult(result: MissionResult, uiUrl?: string, namespace = 'default'): boolean {
  for (const task of result.tasks.filter((t) => !t.parent)) {
    const workflowId = task.workflowIds[0] ?? `${result.missionId}.${task.taskId}`;
    if (task.state === 'completed') {
      say(`✔ ${workflowId}: completed ${result.outputs[task.taskId]?.length ?? 0} step(s) · runs ${task.attempts} · decisions ${task.decisions} · tokens ${task.tokens}`);
    } else {
      say(`✘ ${workflowId}: ${task.state}${task.reason ? ` — ${task.reason}` : ''}`);
    }
  }
  for (const d of result.decisions) say(`  decision ${d.taskId}#${d.index}: ${d.kind}${d.byPerson ? ' (person)' : ''} for ${d.cause} — ${d.reason}${d.advice ? ` [model advice: ${adviceText(d)}]` : ''}${d.outcome ? ` → ${d.outcome}` : ''}`);
  say(`mission ${result.missionId}: ${result.status} · tokens ${result.tokens} · ${(result.durationMs / 1000).toFixed(1)} s`);
  if (uiUrl) say(`  ${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(missionWorkflowId(result.missionId))}`);
  return result.status === 'completed';
}

/**
 * Pauses, resumes or cancels a mission: through the control tower when it knows the mission (so its
 * admission and slots follow), else on the mission workflow itself. Returns the line to print.
 */
async function steerMission(client: Client, missionId: string, action: MissionAction): Promise<string> {
  if (await towerRunning(client)) {
    const known = (await towerState(client)).missions.find((m) => m.missionId === missionId);
    if (known) {
      const after = await controlMission(client, missionId, action);
      return `${action} of mission ${missionId} done through the control tower: now ${after.state}${after.held && after.state === 'queued' ? ' (held in the queue)' : ''}`;
    }
  }
  const handle = getMission(client, missionId);
  if (action === 'cancel') await handle.cancel().catch((err) => notFound(missionWorkflowId(missionId), err));
  else await handle.signal(action === 'pause' ? pauseMissionSignal : resumeMissionSignal).catch((err) => notFound(missionWorkflowId(missionId), err));
  return `${action === 'cancel' ? 'cancel requested for' : `${action} sent to`} mission ${missionId} (not admitted by a control tower: sent to the mission workflow itself)`;
}

/** Waits while the tower holds a queued mission, showing its place; false if it ended without starting. */
async function untilAdmitted(client: Client, missionId: string): Promise<boolean> {
  let last = '';
  for (;;) {
    const { missions } = await towerState(client);
    const entry = missions.find((m) => m.missionId === missionId);
    if (!entry) return true;
    if (entry.endedAt !== undefined && entry.startedAt === undefined) {
      say(`  [${missionId}] ended before it started: ${entry.state}${entry.reason ? ` — ${entry.reason}` : ''}`);
      return false;
    }
    if (entry.state !== 'queued' && entry.state !== 'starting') return true;
    // The tower lists queued missions in admission order.
    const position = missions.filter((m) => m.state === 'queued').indexOf(entry) + 1;
    const line = entry.state === 'queued' ? `queued at position ${position}${entry.held ? ' (held)' : ''}` : 'starting';
    if (line !== last) say(`  [${missionId}] ${(last = line)}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Starts the mission — through the control tower when one runs (it may queue it), else directly —
 * and with `wait` shows its progress, prints and writes its report; returns whether it completed.
 */
export async function runMission(client: Client, input: MissionInput, options: { wait: boolean; home: string; uiUrl?: string; namespace?: string; priority?: number; direct?: boolean }): Promise<boolean> {
  let handle: MissionHandle;
  if (!options.direct && (await towerRunning(client))) {
    const submitted = await submitThroughTower(client, { mission: input, source: 'cli', ...(options.priority ? { priority: options.priority } : {}) });
    say(`submitted through the control tower: ${submitted.workflowId} ${submitted.state === 'queued' ? `queued at position ${submitted.position ?? '?'}` : 'starting'}, ${input.tasks.length} task(s), ${submitted.slots} agent-task slot(s)`);
    for (const note of submitted.notes) say(`  note: ${note}`);
    if (!options.wait) return true;
    if (!(await untilAdmitted(client, input.missionId))) return false;
    handle = getMission(client, input.missionId);
  } else {
    handle = await startMission(client, input);
    say(`${options.direct ? 'started' : 'no control tower is running: started'} ${handle.workflowId} directly: ${input.tasks.length} task(s), at most ${input.maxConcurrentTasks} at once`);
  }
  if (!options.wait) return true;
  const result = await watchMission(handle, (line) => say(`  [${input.missionId}] ${line}`));
  const ok = printMissionResult(result, options.uiUrl, options.namespace);
  const files = writeMissionReport(result, reportsDir(options.home));
  say(`report: ${files.markdown} (and ${path.basename(files.json)})`);
  return ok;
}

function decisionOf(value: string): PersonDecision {
  if ((PERSON_DECISIONS as readonly string[]).includes(value)) return value as PersonDecision;
  throw new DreamError('MISSION_DECISION_INVALID', `Unknown decision "${value}".`, `Use one of: ${PERSON_DECISIONS.join(', ')}.`);
}

export function missionCommand(): Command {
  const mission = new Command('mission').description('Missions: their graph, a person\'s decisions, reports');
  mission
    .command('status')
    .description('Print a mission as a tree: tasks, state, runs, decisions, tokens, pending questions')
    .argument('<missionId>')
    .option('--json', 'print the graph as JSON')
    .action((missionId: string, options: { json?: boolean }) =>
      withClient(async (client) => {
        const handle = getMission(client, missionId);
        const description = await handle.describe().catch((err) => notFound(missionWorkflowId(missionId), err));
        const graph = description.status.name === 'COMPLETED' ? { ...(await handle.result()), startedAt: 0, pending: [], running: 0 } : await missionGraph(handle);
        if (options.json) return say(JSON.stringify(graph, null, 2));
        say(`${handle.workflowId}  ${description.status.name}`);
        say(graphTree(graph));
      }),
    );
  mission
    .command('list')
    .description('List missions, newest first')
    .option('--limit <n>', 'at most this many', '50')
    .action((options: { limit: string }) =>
      withClient(async (client) => {
        const missions = await listMissions(client, Number(options.limit));
        if (missions.length === 0) say('no missions');
        for (const m of missions) say(`${m.missionId}  ${m.status}${m.state ? ` (${m.state})` : ''}  started ${m.startTime.toISOString()}`);
      }),
    );
  mission
    .command('decide')
    .description('Answer the question a mission asks about an escalated task')
    .argument('<missionId>')
    .argument('<taskId>')
    .addArgument(new Argument('<decision>', PERSON_DECISIONS.join('|')).choices(PERSON_DECISIONS))
    .addOption(new Option('--role <role>', 'reassign: the role to take the task over'))
    .addOption(new Option('--model <model>', 'reassign: the model to use'))
    .action((missionId: string, taskId: string, decision: string, options: { role?: string; model?: string }) =>
      withClient(async (client) => {
        try {
          await sendDecision(client, missionId, { taskId, decision: decisionOf(decision), ...(options.role ? { role: options.role } : {}), ...(options.model ? { model: options.model } : {}) });
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) throw new DreamError('MISSION_DECISION_REFUSED', `Mission ${missionId} refused the decision: ${err.cause?.message ?? err.message}`, `See \`dreamos mission status ${missionId}\` for the pending questions.`);
          notFound(missionWorkflowId(missionId), err);
        }
        say(`decision ${decision} for ${taskId} accepted by mission ${missionId}`);
      }),
    );
  mission
    .command('report')
    .description('Wait for a mission to end and write its report (JSON and markdown) under <home>/reports')
    .argument('<missionId>')
    .action((missionId: string) =>
      withClient(async (client, { home }) => {
        const handle = getMission(client, missionId);
        await handle.describe().catch((err) => notFound(missionWorkflowId(missionId), err));
        const files = writeMissionReport(await handle.result(), reportsDir(home));
        say(`wrote ${files.json} and ${files.markdown}`);
      }),
    );
  for (const [action, description] of [
    ['pause', 'Hold a mission\'s new agent tasks (running ones go on); through the control tower when it knows the mission'],
    ['resume', 'Let a paused mission start agent tasks again'],
    ['cancel', 'Cancel a mission; its running children are cancelled with it'],
  ] as const) {
    mission
      .command(action)
      .description(description)
      .argument('<missionId>')
      .action((missionId: string) => withClient(async (client) => say(await steerMission(client, missionId, action))));
  }
  return mission;
}
