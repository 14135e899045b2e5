import { Command, InvalidArgumentError } from 'commander';
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DreamError } from '../errors';
import { TOWER_WORKFLOW_ID, TowerLimitsDraft, TowerState } from '../contracts/tower';
import { ensureTower, getTower, towerRunning, towerState } from '../missions/tower-client';
import { setTowerLimitsUpdate } from '../contracts/tower';
import { say, withClient } from './context';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a number from 0 to 1');
  return n;
}

/** The limit options shared by `tower start` and `tower limits`. */
function withLimitOptions(command: Command): Command {
  return command
    .option('--max-tasks <n>', 'agent tasks running at once across all admitted missions', positiveInt)
    .option('--max-mission-tokens <n>', 'the largest token budget one mission may ask for', positiveInt)
    .option('--stuck-after <ms>', 'a mission with no progress for this long raises an alert', positiveInt)
    .option('--health-interval <ms>', 'time between two health observations', positiveInt)
    .option('--min-resolution-rate <0-1>', 'alert when the last hour\'s failure chains resolve less often than this', rate);
}

function limitsOf(options: { maxTasks?: number; maxMissionTokens?: number; stuckAfter?: number; healthInterval?: number; minResolutionRate?: number }): TowerLimitsDraft {
  return {
    ...(options.maxTasks ? { maxConcurrentAgentTasks: options.maxTasks } : {}),
    ...(options.maxMissionTokens ? { maxMissionTokens: options.maxMissionTokens } : {}),
    ...(options.stuckAfter ? { stuckAfterMs: options.stuckAfter } : {}),
    ...(options.healthInterval ? { healthIntervalMs: options.healthInterval } : {}),
    ...(options.minResolutionRate !== undefined ? { minResolutionRate: options.minResolutionRate } : {}),
  };
}

const ago = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

/** The tower's state as lines: limits, missions (running, queued with position, ended), health, alerts. */
export function describeTower(state: TowerState, now = Date.now()): string[] {
  const lines = [`${TOWER_WORKFLOW_ID} (run ${state.run}, up ${ago(now - state.startedAt)}) · agent-task slots ${state.slotsInUse}/${state.limits.maxConcurrentAgentTasks} · per-mission token budget ${state.limits.maxMissionTokens}`];
  let position = 0;
  for (const m of state.missions) {
    const where = m.state === 'queued' ? `queued #${(position += 1)}${m.held ? ' (held)' : ''}` : m.state;
    const progress = m.state === 'queued' ? '' : ` · ${m.progress.settled}/${m.progress.total} settled · ${m.progress.running} running · tokens ${m.progress.tokens}${m.progress.asking ? ` · ${m.progress.asking} question(s)` : ''}`;
    lines.push(`  ${m.missionId}  p${m.priority}  ${where}  slots ${m.slots}  from ${m.source}${progress}${m.reason ? ` — ${m.reason}` : ''}`);
  }
  if (state.missions.length === 0) lines.push('  no missions yet (`dreamos submit <file>` sends one through the tower)');
  const h = state.health;
  if (h) {
    lines.push(`health at ${new Date(h.at).toISOString()}: ${h.runningMissions} mission(s), ${h.runningAgentTasks} agent task(s) running; failures last hour ${h.failures.events} event(s), resolution ${h.failures.resolutionRate === null ? 'n/a' : `${Math.round(h.failures.resolutionRate * 100)} %`}`);
    for (const q of h.queues) lines.push(`  ${q.queue}/${q.type}: ${q.pollers} poller(s), backlog ${q.backlog}${q.backlog > 0 ? ` (oldest ${ago(q.backlogAgeMs)})` : ''}`);
    for (const gap of h.gaps) lines.push(`  not observed: ${gap}`);
    for (const a of h.alerts) lines.push(`  ⚠ ${a.severity} ${a.kind} ${a.subject}: ${a.message}`);
  }
  return lines;
}

async function requireTower(client: Client): Promise<void> {
  if (!(await towerRunning(client))) throw new DreamError('TOWER_NOT_RUNNING', `No control tower runs in this namespace (workflow ${TOWER_WORKFLOW_ID}).`, 'Start it with `dreamos tower start` (`dreamos up` starts it too).');
}

export function towerCommand(): Command {
  const tower = new Command('tower').description('The control tower: mission intake, admission across missions, swarm health');
  withLimitOptions(
    tower
      .command('start')
      .description('Start the control tower, or attach to the running one (update-with-start); limits apply to a new tower only'),
  ).action((options) =>
    withClient(async (client) => {
      const wasRunning = await towerRunning(client);
      const state = await ensureTower(client, limitsOf(options));
      say(wasRunning ? 'control tower already running: attached (its limits stay; change them with `dreamos tower limits`)' : 'control tower running');
      for (const line of describeTower(state)) say(line);
    }),
  );
  tower
    .command('status')
    .description('Print the tower: limits, running and queued missions (with their position), health and alerts')
    .option('--json', 'print the state as JSON')
    .action((options: { json?: boolean }) =>
      withClient(async (client) => {
        await requireTower(client);
        const state = await towerState(client);
        if (options.json) return say(JSON.stringify(state, null, 2));
        for (const line of describeTower(state)) say(line);
      }),
    );
  withLimitOptions(tower.command('limits').description('Change the running tower\'s limits (validated by the tower)')).action((options) =>
    withClient(async (client) => {
      await requireTower(client);
      const change = limitsOf(options);
      if (Object.keys(change).length === 0) throw new DreamError('TOWER_LIMITS_NONE', 'No limit given.', 'Pass at least one option, e.g. `dreamos tower limits --max-tasks 16` (see --help).');
      try {
        const limits = await getTower(client).executeUpdate(setTowerLimitsUpdate, { args: [change] });
        say(`limits now: ${JSON.stringify(limits)}`);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new DreamError('TOWER_REJECTED', `The control tower rejected the limits: ${err.cause?.message ?? err.message}`, 'See `dreamos tower limits --help` for the ranges.');
        throw err;
      }
    }),
  );
  return tower;
}
