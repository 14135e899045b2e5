import { Command, InvalidArgumentError } from 'commander';
import { PRIORITIES } from '../contracts/tower';
import { loadMissionFile } from '../tasks/load';
import { temporalUiUrl } from '../config';
import { clientFromEnv } from './context';
import { runMission } from './mission';

function parsePriority(value: string): number {
  const n = Number(value);
  if (!(PRIORITIES as readonly number[]).includes(n)) throw new InvalidArgumentError(`use one of ${PRIORITIES.join(', ')} (1 is admitted first)`);
  return n;
}

export function submitCommand(): Command {
  return new Command('submit')
    .description('Start one mission workflow (mission.<id>) that runs the tasks of a mission or task file (see examples/): through the control tower when it runs, else directly')
    .argument('<file>', 'JSON mission file with "tasks" (dependsOn, limits, supervision), or a single task file')
    .option('--wait', 'wait for the mission to end, showing progress, and write its report; exit 1 unless it completed')
    .option('--priority <1-5>', 'admission priority in the control tower (1 first; default 3)', parsePriority)
    .option('--direct', 'start the mission workflow directly even when a control tower runs (no admission control)')
    .action(async (file: string, options: { wait?: boolean; priority?: number; direct?: boolean }) => {
      // Validated before anything starts: a cycle or an unknown id starts no workflow.
      const input = loadMissionFile(file);
      const { client, config } = await clientFromEnv();
      try {
        if (!(await runMission(client, input, { wait: options.wait ?? false, home: config.home, uiUrl: temporalUiUrl(config), namespace: config.temporal.namespace, ...(options.priority ? { priority: options.priority } : {}), ...(options.direct ? { direct: true } : {}) }))) process.exitCode = 1;
      } finally {
        await client.connection.close();
      }
    });
}
