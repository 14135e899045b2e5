import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { runDreamos } from '../helpers/processes';
import { testClient, uniqueId } from '../helpers/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-schedule-cli-'));

function missionFile(missionId: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `${missionId}.json`);
  fs.writeFileSync(file, JSON.stringify({ mission: missionId, defaults: { role: 'analyst', outputSchema: 'answer' }, tasks: [{ taskId: 'a', goal: 'Answer one question' }], ...extra }));
  return file;
}

let client: Client;
const created: string[] = [];
beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  for (const id of created) await client.schedule.getHandle(id).delete().catch(() => undefined);
  await client.connection.close();
});

describe('dreamos schedule: help', () => {
  test('schedule and each of its commands has --help', async () => {
    const root = await runDreamos(['--help']);
    expect(root.output).toContain('schedule');
    const help = await runDreamos(['schedule', '--help']);
    expect(help.code).toBe(0);
    for (const sub of ['create', 'list', 'pause', 'unpause', 'trigger', 'delete']) {
      expect(help.output).toContain(sub);
      const subHelp = await runDreamos(['schedule', sub, '--help']);
      expect({ sub, code: subHelp.code }).toEqual({ sub, code: 0 });
      expect(subHelp.output).toContain(`Usage: dreamos schedule ${sub}`);
    }
    const create = await runDreamos(['schedule', 'create', '--help']);
    for (const option of ['--every', '--cron', '--id', '--priority', '--paused']) expect(create.output).toContain(option);
  });
});

describe('dreamos schedule: errors name the cause and the fix', () => {
  test('neither --every nor --cron, or both', async () => {
    const file = missionFile(uniqueId('spec'));
    const none = await runDreamos(['schedule', 'create', file]);
    expect(none.code).toBe(1);
    expect(none.output).toContain('error [SCHEDULE_SPEC_MISSING]');
    expect(none.output).toContain('fix: Add --every');
    const both = await runDreamos(['schedule', 'create', file, '--every', '1h', '--cron', '0 9 * * *']);
    expect(both.code).toBe(1);
    expect(both.output).toContain('error [SCHEDULE_SPEC_CONFLICT]');
  });

  test('a bad interval, a bad cron expression and a bad priority', async () => {
    const file = missionFile(uniqueId('spec'));
    const every = await runDreamos(['schedule', 'create', file, '--every', 'soon']);
    expect(every.output).toContain('--every "soon" is not an interval.');
    expect(every.output).toContain('fix: Write a whole number of seconds');
    const cron = await runDreamos(['schedule', 'create', file, '--cron', '0 9']);
    expect(cron.output).toContain('error [SCHEDULE_CRON_INVALID]');
    const priority = await runDreamos(['schedule', 'create', file, '--every', '1h', '--priority', '7']);
    expect(priority.output).toContain('error [SCHEDULE_PRIORITY_INVALID]');
    for (const result of [every, cron, priority]) expect(result.code).toBe(1);
  });

  test('a cron expression only the server can refuse is reported with its reason', async () => {
    const id = uniqueId('cron');
    created.push(id);
    const result = await runDreamos(['schedule', 'create', missionFile(id), '--cron', '99 99 * * *']);
    expect(result.code).toBe(1);
    expect(result.output).toContain('error [SCHEDULE_SPEC_INVALID]: Temporal refused the schedule cron "99 99 * * *"');
    await expect(client.schedule.getHandle(id).describe()).rejects.toThrow();
  });

  test('an invalid mission file names the file and the field; nothing is created', async () => {
    const id = uniqueId('invalid');
    const file = missionFile(id, { tasks: [{ taskId: 'a', goal: 'g', dependsOn: ['ghost'] }] });
    const result = await runDreamos(['schedule', 'create', file, '--every', '1h']);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`${file}: tasks[0].dependsOn: unknown task id "ghost"`);
    await expect(client.schedule.getHandle(id).describe()).rejects.toThrow();
  });

  test('a mission id too long for run ids is refused with the limit', async () => {
    const file = missionFile('m'.repeat(70));
    const result = await runDreamos(['schedule', 'create', file, '--every', '1h']);
    expect(result.code).toBe(1);
    expect(result.output).toContain('error [SCHEDULE_MISSION_ID_TOO_LONG]');
    expect(result.output).toContain('at most 65');
  });

  test('an unknown schedule id, for each command that takes one', async () => {
    for (const command of ['pause', 'unpause', 'trigger', 'delete']) {
      const result = await runDreamos(['schedule', command, 'no-such-schedule']);
      expect({ command, code: result.code }).toEqual({ command, code: 1 });
      expect(result.output).toContain('error [SCHEDULE_NOT_FOUND]: No schedule with id no-such-schedule.');
      expect(result.output).toContain('fix: See `dreamos schedule list`');
    }
  });

  test('an unreachable server names the address', async () => {
    const result = await runDreamos(['schedule', 'list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('127.0.0.1:1');
    expect(result.output).toContain('fix:');
  });
});

describe('dreamos schedule: create, list, pause, unpause, delete', () => {
  test('a schedule is created, listed with its next runs, paused, unpaused and deleted', async () => {
    const id = uniqueId('cli');
    created.push(id);
    const file = missionFile(id);

    const create = await runDreamos(['schedule', 'create', file, '--every', '1h', '--priority', '2']);
    expect(create.code).toBe(0);
    expect(create.output).toContain(`created schedule ${id}: every 1h, mission ${id} (1 task(s)), priority 2`);
    expect(create.output).toContain(`source schedule:${id}`);
    expect(create.output).toMatch(/next runs: \d{4}-\d\d-\d\dT/);
    expect((await client.schedule.getHandle(id).describe()).policies.overlap).toBe('SKIP');

    const again = await runDreamos(['schedule', 'create', file, '--every', '1h']);
    expect(again.code).toBe(1);
    expect(again.output).toContain(`error [SCHEDULE_EXISTS]: A schedule with id ${id} already exists.`);

    // Listing goes through visibility, which lags a creation a little.
    let list = await runDreamos(['schedule', 'list']);
    for (let i = 0; i < 30 && !list.output.includes(id); i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      list = await runDreamos(['schedule', 'list']);
    }
    expect(list.output).toContain(`${id}  every 1h  active  mission ${id} · priority 2 · ${file}`);
    const next = (await client.schedule.getHandle(id).describe()).info.nextActionTimes[0];
    expect(list.output).toContain(`next runs: ${next.toISOString()}`);

    const pause = await runDreamos(['schedule', 'pause', id, '--note', 'maintenance']);
    expect(pause.output).toContain(`paused schedule ${id}: maintenance`);
    expect((await client.schedule.getHandle(id).describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
    const paused = await runDreamos(['schedule', 'list', '--json']);
    expect(JSON.parse(paused.output)).toEqual(expect.arrayContaining([expect.objectContaining({ scheduleId: id, paused: true, note: 'maintenance' })]));

    const unpause = await runDreamos(['schedule', 'unpause', id]);
    expect(unpause.output).toContain(`unpaused schedule ${id}; next runs: `);
    expect((await client.schedule.getHandle(id).describe()).state.paused).toBe(false);

    const del = await runDreamos(['schedule', 'delete', id]);
    expect(del.output).toContain(`deleted schedule ${id}`);
    await expect(client.schedule.getHandle(id).describe()).rejects.toThrow();
  });

  test('--paused creates it paused, with a cron expression and its own id', async () => {
    const missionId = uniqueId('cron-mission');
    const id = uniqueId('weekdays');
    created.push(id);
    const create = await runDreamos(['schedule', 'create', missionFile(missionId), '--cron', '0 9 * * 1-5', '--id', id, '--paused']);
    expect(create.code).toBe(0);
    expect(create.output).toContain(`created schedule ${id}: cron "0 9 * * 1-5", mission ${missionId} (1 task(s)), priority 3, paused`);
    expect(create.output).toContain('next runs: none while paused');
    const description = await client.schedule.getHandle(id).describe();
    expect(description.state.paused).toBe(true);
    expect(description.action).toMatchObject({ workflowType: 'scheduledMission', taskQueue: 'control' });
  });

  test('trigger starts a run at once, even when paused; a second trigger while it is open is skipped', async () => {
    const id = uniqueId('trigger');
    created.push(id);
    expect((await runDreamos(['schedule', 'create', missionFile(id), '--every', '1h', '--paused'])).code).toBe(0);

    const first = await runDreamos(['schedule', 'trigger', id]);
    expect(first.code).toBe(0);
    expect(first.output).toContain(`triggered schedule ${id}: a run starts now as scheduled.${id}-<time>`);
    // No control worker serves this file: the run stays open, which is what the second trigger meets.
    let description = await client.schedule.getHandle(id).describe();
    for (let i = 0; i < 30 && description.info.runningActions.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      description = await client.schedule.getHandle(id).describe();
    }
    const [open] = description.info.runningActions;
    expect(open.workflow.workflowId.startsWith(`scheduled.${id}-`)).toBe(true);

    const second = await runDreamos(['schedule', 'trigger', id]);
    expect(second.output).toContain(`but a run is open (${open.workflow.workflowId}): the overlap policy skips this one`);
    const after = await client.schedule.getHandle(id).describe();
    expect(after.info.numActionsTaken).toBe(1);
    expect(after.info.numActionsSkippedOverlap).toBe(1);

    const del = await runDreamos(['schedule', 'delete', id]);
    expect(del.output).toContain(`deleted schedule ${id}; its open run ${open.workflow.workflowId} goes on until its mission ends`);
    await client.workflow.getHandle(open.workflow.workflowId).terminate('test over');
  });
});
