import { Command } from 'commander';
import { temporalUiUrl } from '../config';
import { loadTaskFile } from '../tasks/load';
import { startAgentTask, TaskOutcome, watchTasks } from '../missions/client';
import { clientFromEnv, say } from './context';

export function printOutcomes(outcomes: TaskOutcome[], uiUrl: string | undefined, namespace: string): boolean {
  for (const outcome of outcomes) {
    if (outcome.status === 'completed') {
      const r = outcome.result;
      say(`✔ ${outcome.workflowId}: completed ${r.outputs.length} step(s) · attempts ${r.attempts} · heals ${r.healAttempts} · rollbacks ${r.rollbacks} · tokens ${r.tokens}`);
    } else {
      say(`✘ ${outcome.workflowId}: ${outcome.status} — ${outcome.message}`);
    }
    if (uiUrl) say(`  ${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(outcome.workflowId)}`);
  }
  return outcomes.every((o) => o.status === 'completed');
}

export function submitCommand(): Command {
  return new Command('submit')
    .description('Start the agent tasks of a task or mission file (see examples/)')
    .argument('<file>', 'JSON task file, or mission file with "tasks"')
    .option('--wait', 'wait for every task to finish, showing progress; exit 1 if one did not complete')
    .action(async (file: string, options: { wait?: boolean }) => {
      const specs = loadTaskFile(file);
      const { client, config } = await clientFromEnv();
      const handles = [];
      for (const spec of specs) {
        const handle = await startAgentTask(client, spec);
        say(`started ${handle.workflowId} (${spec.role}, ${spec.steps} step(s), schema ${spec.outputSchema})`);
        handles.push({ handle, spec });
      }
      if (options.wait) {
        const outcomes = await watchTasks(handles, (taskId, line) => say(`  [${taskId}] ${line}`));
        if (!printOutcomes(outcomes, temporalUiUrl(config), config.temporal.namespace)) process.exitCode = 1;
      }
      await client.connection.close();
    });
}
