import { Command } from 'commander';
import { loadMissionFile } from '../tasks/load';
import { temporalUiUrl } from '../config';
import { clientFromEnv } from './context';
import { runMission } from './mission';

export function submitCommand(): Command {
  return new Command('submit')
    .description('Start one mission workflow (mission.<id>) that runs the tasks of a mission or task file (see examples/)')
    .argument('<file>', 'JSON mission file with "tasks" (dependsOn, limits, supervision), or a single task file')
    .option('--wait', 'wait for the mission to end, showing progress, and write its report; exit 1 unless it completed')
    .action(async (file: string, options: { wait?: boolean }) => {
      // Validated before anything starts: a cycle or an unknown id starts no workflow.
      const input = loadMissionFile(file);
      const { client, config } = await clientFromEnv();
      try {
        if (!(await runMission(client, input, { wait: options.wait ?? false, home: config.home, uiUrl: temporalUiUrl(config), namespace: config.temporal.namespace }))) process.exitCode = 1;
      } finally {
        await client.connection.close();
      }
    });
}
