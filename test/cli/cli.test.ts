import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { runDreamos } from '../helpers/processes';
import { freePort, isPortOpen } from '../../src/temporal/dev-server';
import { startTestWorkers, testEnv, TestWorkers, uniqueId } from '../helpers/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dreamos-cli-'));
function writeFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('dreamos CLI: help', () => {
  test('every command has --help', async () => {
    const root = await runDreamos(['--help']);
    expect(root.code).toBe(0);
    for (const command of ['up', 'submit', 'status', 'history', 'pause', 'resume', 'hint', 'amend-goal', 'worker', 'mission', 'tower']) {
      expect(root.output).toContain(command);
      const help = await runDreamos([command, '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.output).toMatch(/Usage: dreamos/);
    }
    for (const [group, sub] of [['mission', 'status'], ['mission', 'decide'], ['mission', 'pause'], ['mission', 'resume'], ['mission', 'cancel'], ['tower', 'start'], ['tower', 'status'], ['tower', 'limits']]) {
      const help = await runDreamos([group, sub, '--help']);
      expect({ sub, code: help.code }).toEqual({ sub, code: 0 });
      expect(help.output).toMatch(new RegExp(`Usage: dreamos ${group} ${sub}`));
    }
  });
});

describe('dreamos CLI: bad input is a clear error with a non-zero exit', () => {
  test('a malformed task file names the file and the JSON problem', async () => {
    const file = writeFile('broken.json', '{ "mission": "m", "tasks": [ { "role": "analyst", } ');
    const { code, output } = await runDreamos(['submit', file]);
    expect(code).toBe(1);
    expect(output).toContain(`${file}: not valid JSON`);
    expect(output).toContain('fix:');
  });

  test('an unknown output schema names the field and the valid names', async () => {
    const file = writeFile('unknown-schema.json', JSON.stringify({ mission: 'm', tasks: [{ taskId: 't1', role: 'analyst', goal: 'g', outputSchema: 'poem' }] }));
    const { code, output } = await runDreamos(['submit', file]);
    expect(code).toBe(1);
    expect(output).toContain(`${file}: tasks[0].outputSchema: unknown output schema "poem"; use one of: research, analysis, strategy, critique, plan, answer`);
  });

  test('missing and mistyped fields are each named', async () => {
    const file = writeFile('fields.json', JSON.stringify({ taskId: 't1', role: 'analyst', outputSchema: 'analysis', steps: 'three', colour: 'red' }));
    const { code, output } = await runDreamos(['submit', file]);
    expect(code).toBe(1);
    expect(output).toMatch(/goal: .*expected string/i);
    expect(output).toMatch(/steps: .*expected number/i);
    expect(output).toMatch(/colour|Unrecognized key/i);
  });

  test('a dependency cycle is rejected at submit, naming the cycle, and no mission is started', async () => {
    const mission = uniqueId('cycle');
    const file = writeFile(`${mission}.json`, JSON.stringify({
      mission,
      defaults: { role: 'analyst', outputSchema: 'answer' },
      tasks: [
        { taskId: 'a', goal: 'g', dependsOn: ['c'] },
        { taskId: 'b', goal: 'g', dependsOn: ['a'] },
        { taskId: 'c', goal: 'g', dependsOn: ['b'] },
      ],
    }));
    const { code, output } = await runDreamos(['submit', file]);
    expect(code).toBe(1);
    expect(output).toContain(`${file}: tasks: dependency cycle: a -> c -> b -> a`);
    const status = await runDreamos(['mission', 'status', mission]);
    expect(status.output).toContain(`No workflow with id mission.${mission}`);
  });

  test('an unknown dependency is rejected at submit, naming the id', async () => {
    const file = writeFile('unknown-dep.json', JSON.stringify({ mission: uniqueId('dep'), tasks: [{ taskId: 'a', role: 'r', goal: 'g', outputSchema: 'answer', dependsOn: ['ghost'] }] }));
    const { code, output } = await runDreamos(['submit', file]);
    expect(code).toBe(1);
    expect(output).toContain('tasks[0].dependsOn: unknown task id "ghost"');
  });

  test('dreamos up with the dashboard port taken fails clearly and leaves no server behind', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const temporalPort = await freePort();
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    try {
      const { code, output } = await runDreamos(['up'], {
        // Unset, so `up` starts (and must then stop) an embedded server of its own, not the shared one.
        TEMPORAL_ADDRESS: '',
        DREAMOS_HOME: home,
        TEMPORAL_CLI_PATH: testEnv().cliPath,
        DREAMOS_TEMPORAL_PORT: String(temporalPort),
        DREAMOS_UI_PORT: String(await freePort()),
        DREAMOS_DASHBOARD_PORT: String(taken),
      });
      expect(code).toBe(1);
      expect(output).toContain(`error [DASHBOARD_LISTEN]: Cannot listen on 127.0.0.1:${taken}`);
      expect(output).toContain('fix: Choose another port');
      expect(output).toContain(`Temporal server ready at 127.0.0.1:${temporalPort}`);
      expect(fs.existsSync(path.join(home, 'temporal.db'))).toBe(true);
      expect(await isPortOpen(temporalPort)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  test('an unreachable server names the address and how to start one', async () => {
    const { code, output } = await runDreamos(['status', 'anything'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(1);
    expect(output).toContain('Cannot reach the Temporal server at 127.0.0.1:1');
    expect(output).toContain('fix: Start it with `npm start`');
  });

  test('an unknown workflow id is reported as such', async () => {
    const { code, output } = await runDreamos(['status', 'no-such-workflow']);
    expect(code).toBe(1);
    expect(output).toContain('No workflow with id no-such-workflow');
  });
});

describe('dreamos CLI: submit, status, history export', () => {
  let workers: TestWorkers;
  beforeAll(async () => {
    workers = await startTestWorkers({ queues: ['agents', 'nexus', 'control'] });
  });
  afterAll(async () => {
    await workers.stop();
  });

  test('submit --wait runs a mission to completion; status and history export describe it', async () => {
    const mission = uniqueId('cli');
    const file = writeFile(`${mission}.json`, JSON.stringify({
      mission,
      defaults: { steps: 2 },
      tasks: [
        { taskId: 'research', role: 'researcher', goal: 'Map agent reliability buyers', outputSchema: 'research' },
        { taskId: 'critique', role: 'critic', goal: 'Critique the map', outputSchema: 'critique' },
      ],
    }));
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    const submitted = await runDreamos(['submit', file, '--wait'], { DREAMOS_HOME: home });
    expect(submitted.output).toContain(`no control tower is running: started mission.${mission} directly: 2 task(s)`);
    expect(submitted.output).toContain(`✔ ${mission}.research: completed 2 step(s)`);
    expect(submitted.output).toContain(`✔ ${mission}.critique: completed 2 step(s)`);
    expect(submitted.output).toContain(`mission ${mission}: completed`);
    expect(submitted.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(home, 'reports', `${mission}.json`), 'utf8'));
    expect(report).toMatchObject({ missionId: mission, status: 'completed' });
    expect(Object.keys(report.outputs).sort()).toEqual(['critique', 'research']);
    expect(fs.readFileSync(path.join(home, 'reports', `${mission}.md`), 'utf8')).toContain(`# Mission ${mission}: completed`);

    const tree = await runDreamos(['mission', 'status', mission]);
    expect(tree.code).toBe(0);
    expect(tree.output).toContain(`mission.${mission}  COMPLETED`);
    expect(tree.output).toMatch(/✔ research \[researcher\] completed · runs 1/);
    const list = await runDreamos(['mission', 'list']);
    expect(list.output).toContain(`${mission}  COMPLETED`);

    const status = await runDreamos(['status', `${mission}.research`]);
    expect(status.code).toBe(0);
    expect(status.output).toContain('COMPLETED');
    expect(status.output).toMatch(/completed · step 2\/2/);

    const out = path.join(dir, `${mission}.history.json`);
    const exported = await runDreamos(['history', 'export', `${mission}.research`, out]);
    expect(exported.code).toBe(0);
    const history = historyFromJSON(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(history.events?.length).toBeGreaterThan(10);
  });
});
