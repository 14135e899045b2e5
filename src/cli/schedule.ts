import { Command, Option } from 'commander';
import { Client } from '@temporalio/client';
import { loadMissionFile } from '../tasks/load';
import { DEFAULT_PRIORITY } from '../contracts/tower';
import { scheduleSource, scheduledRunWorkflowId } from '../contracts/scheduled-mission';
import { describeScheduleSpec, parsePriority, parseScheduleSpec } from '../missions/schedule-spec';
import { actOnMissionSchedule, checkScheduledMissionId, createMissionSchedule, describeMissionSchedule, listMissionSchedules, MissionScheduleView, ScheduleAction, viewOf } from '../missions/schedule-client';
import { say, withClient } from './context';

const times = (dates: Date[]) => (dates.length > 0 ? dates.map((d) => d.toISOString()).join(', ') : 'none');

/** Three lines per schedule: what it runs and when, its next runs, its runs so far. */
function printSchedule(view: MissionScheduleView): void {
  const { memo } = view;
  say(`${view.scheduleId}  ${memo.spec ?? '?'}  ${view.paused ? `paused${view.note ? ` (${view.note})` : ''}` : 'active'}  mission ${memo.missionId ?? '?'} · priority ${memo.priority ?? DEFAULT_PRIORITY}${memo.file ? ` · ${memo.file}` : ''}`);
  say(`  next runs: ${view.paused ? 'none while paused' : times(view.nextRuns.slice(0, 3))}`);
  say(`  runs ${view.runs} · skipped while one was open ${view.skippedOverlap}${view.lastRunAt ? ` · last ${view.lastRunAt.toISOString()}` : ''}${view.running.length > 0 ? ` · open: ${view.running.join(', ')}` : ''}`);
}

export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description('Missions on a schedule (Temporal Schedules): each run enters through the control tower; a run is skipped while the previous one is open');
  schedule
    .command('create')
    .description('Run a mission file on a schedule: every interval or on a cron expression (UTC)')
    .argument('<mission-file>', 'JSON mission file (see examples/); each run gets the id <missionId>-<yyyyMMddHHmmss>')
    .addOption(new Option('--every <interval>', 'run every interval: 30s, 5m, 1h, 1d (or give --cron)'))
    .addOption(new Option('--cron <expression>', 'run on a cron expression, e.g. "0 9 * * 1-5" (09:00 UTC on weekdays)'))
    .option('--id <scheduleId>', 'the schedule id (default: the mission id)')
    .option('--priority <1-5>', 'the tower admits priority 1 first, 5 last', String(DEFAULT_PRIORITY))
    .option('--paused', 'create it paused (`dreamos schedule unpause <id>` starts it)')
    .action((file: string, options: { every?: string; cron?: string; id?: string; priority: string; paused?: boolean }) => {
      // Everything is checked before connecting: a bad file or spec creates nothing.
      const spec = parseScheduleSpec(options);
      const priority = parsePriority(options.priority);
      const mission = loadMissionFile(file);
      checkScheduledMissionId(mission, file);
      const scheduleId = options.id ?? mission.missionId;
      return withClient(async (client) => {
        await createMissionSchedule(client, { scheduleId, spec, mission, priority, paused: options.paused ?? false, file });
        const view = viewOf(scheduleId, await describeMissionSchedule(client, scheduleId));
        say(`created schedule ${scheduleId}: ${describeScheduleSpec(spec)}, mission ${mission.missionId} (${mission.tasks.length} task(s)), priority ${priority}${view.paused ? ', paused' : ''}`);
        say(`  runs are workflows ${scheduledRunWorkflowId(scheduleId)}-<time>; their missions show source ${scheduleSource(scheduleId)} in the tower`);
        say(`  next runs: ${view.paused ? 'none while paused' : times(view.nextRuns.slice(0, 3))}`);
      });
    });
  schedule
    .command('list')
    .description('List mission schedules: spec, state, next run times, runs taken and skipped')
    .option('--json', 'print them as JSON')
    .action((options: { json?: boolean }) =>
      withClient(async (client) => {
        const views = await listMissionSchedules(client);
        if (options.json) return say(JSON.stringify(views, null, 2));
        if (views.length === 0) say('no mission schedules (`dreamos schedule create --help`)');
        views.forEach(printSchedule);
      }),
    );
  schedule
    .command('pause')
    .description('Pause a schedule: no run starts until it is unpaused (an open run goes on)')
    .argument('<scheduleId>')
    .option('--note <text>', 'why, shown by `list`', 'paused with dreamos schedule pause')
    .action((scheduleId: string, options: { note: string }) =>
      withClient(async (client) => {
        await actOnMissionSchedule(client, scheduleId, 'pause', options.note);
        say(`paused schedule ${scheduleId}: ${options.note}`);
      }),
    );
  const onSchedule = (name: ScheduleAction, description: string, done: (client: Client, scheduleId: string, before: MissionScheduleView) => Promise<string>) =>
    schedule
      .command(name)
      .description(description)
      .argument('<scheduleId>')
      .action((scheduleId: string) =>
        withClient(async (client) => {
          const before = viewOf(scheduleId, await actOnMissionSchedule(client, scheduleId, name, name === 'unpause' ? 'unpaused with dreamos schedule unpause' : undefined));
          say(await done(client, scheduleId, before));
        }),
      );
  onSchedule('unpause', 'Unpause a schedule: runs start again at its next times', async (client, scheduleId) => {
    const view = viewOf(scheduleId, await describeMissionSchedule(client, scheduleId));
    return `unpaused schedule ${scheduleId}; next runs: ${times(view.nextRuns.slice(0, 3))}`;
  });
  onSchedule('trigger', 'Start a run now (skipped, like any run, while the previous one is still open)', async (_client, scheduleId, before) =>
    before.running.length > 0
      ? `triggered schedule ${scheduleId}, but a run is open (${before.running.join(', ')}): the overlap policy skips this one`
      : `triggered schedule ${scheduleId}: a run starts now as ${scheduledRunWorkflowId(scheduleId)}-<time>`,
  );
  onSchedule('delete', 'Delete a schedule: no more runs (an open run goes on until its mission ends)', async (_client, scheduleId, before) =>
    `deleted schedule ${scheduleId}${before.running.length > 0 ? `; its open run ${before.running.join(', ')} goes on until its mission ends` : ''}`,
  );
  return schedule;
}
