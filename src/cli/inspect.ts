import fs from 'node:fs';
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DreamError } from '../errors';
import { describeState } from '../missions/client';
import { amendGoalUpdate, checkpointsQuery, hintSignal, pauseSignal, resumeSignal, stateQuery } from '../contracts/agent-task';
import { clientFromEnv, say } from './context';

export function notFound(workflowId: string, err: unknown): never {
  if (err instanceof WorkflowNotFoundError || (err instanceof Error && /not found/i.test(err.message))) {
    throw new DreamError('WORKFLOW_NOT_FOUND', `No workflow with id ${workflowId}.`, 'Check the id (`dreamos submit` prints it; the Web UI lists them).', { cause: err });
  }
  throw err;
}

export function statusCommand(): Command {
  return new Command('status')
    .description('Show an agent task: Temporal status, its state and checkpoints')
    .argument('<workflowId>')
    .option('--json', 'print the raw state as JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const { client } = await clientFromEnv();
      try {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe().catch((err) => notFound(workflowId, err));
        const memo = description.memo as { summary?: string } | undefined;
        say(`${workflowId}  ${description.status.name}  (${description.type}, run ${description.runId})`);
        if (description.status.name === 'RUNNING') {
          const state = await handle.query(stateQuery);
          const checkpoints = await handle.query(checkpointsQuery);
          if (options.json) say(JSON.stringify({ state, checkpoints }, null, 2));
          else {
            say(`  goal: ${state.goal}`);
            say(`  ${describeState(state, Number.NaN).replace('/NaN', '')}`);
            say(`  checkpoints: ${checkpoints.map((c) => c.id).join(', ')}`);
          }
        } else if (memo?.summary) {
          say(`  ${memo.summary}`);
        }
      } finally {
        await client.connection.close();
      }
    });
}

export function historyCommand(): Command {
  const history = new Command('history').description('Workflow histories');
  history
    .command('export')
    .description('Write a workflow history as JSON (the format of `temporal workflow show --output json`, used by replay tests)')
    .argument('<workflowId>')
    .argument('<file>')
    .action(async (workflowId: string, file: string) => {
      const { client } = await clientFromEnv();
      try {
        const events = await client.workflow
          .getHandle(workflowId)
          .fetchHistory()
          .catch((err) => notFound(workflowId, err));
        const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
        fs.writeFileSync(file, historyToJSON(events));
        say(`wrote ${events.events?.length ?? 0} events of ${workflowId} to ${file}`);
      } finally {
        await client.connection.close();
      }
    });
  return history;
}

/** pause / resume / hint / amend-goal: the operator's levers on a running task. */
export function controlCommands(): Command[] {
  const withHandle = (action: (handle: ReturnType<import('@temporalio/client').WorkflowClient['getHandle']>, args: string[]) => Promise<string>) =>
    async (workflowId: string, ...rest: unknown[]) => {
      const { client } = await clientFromEnv();
      try {
        const args = rest.filter((r): r is string => typeof r === 'string');
        say(await action(client.workflow.getHandle(workflowId), args).catch((err) => notFound(workflowId, err)));
      } finally {
        await client.connection.close();
      }
    };
  return [
    new Command('pause').description('Pause a task before its next step').argument('<workflowId>')
      .action(withHandle(async (h) => (await h.signal(pauseSignal), `pause sent to ${h.workflowId}`))),
    new Command('resume').description('Resume a paused task').argument('<workflowId>')
      .action(withHandle(async (h) => (await h.signal(resumeSignal), `resume sent to ${h.workflowId}`))),
    new Command('hint').description('Add an operator hint to the next prompts of a task').argument('<workflowId>').argument('<text>')
      .action(withHandle(async (h, [text]) => (await h.signal(hintSignal, text), `hint sent to ${h.workflowId}`))),
    new Command('amend-goal').description('Change the goal of a running task (validated update)').argument('<workflowId>').argument('<goal>')
      .action(withHandle(async (h, [goal]) => `goal of ${h.workflowId} is now: ${(await h.executeUpdate(amendGoalUpdate, { args: [goal] })).goal}`)),
  ];
}
