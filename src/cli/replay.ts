import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DreamError } from '../errors';
import { closedRunHistories, readHistoryFile, ReplayFailure, ReplayInput, ReplayReport, replayHistories } from '../temporal/replay';
import fs from 'node:fs';
import { AGENT_TASK_WORKFLOW } from '../contracts/agent-task';
import { bundleFile, defaultWorkflowBundleDir } from '../../workers/paths';
import { clientFromEnv, say } from './context';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new DreamError('CLI_INVALID_OPTION', `--last must be a positive whole number, got "${value}".`, 'Pass e.g. --last 20.');
  return n;
}

export function describeReplayFailure(f: ReplayFailure): string {
  const where = f.divergingEvent ? `first diverging event ${f.divergingEvent.id} (${f.divergingEvent.type})` : 'diverging event not named by the SDK';
  return `✘ ${f.workflowType ?? 'workflow'} ${f.workflowId}${f.runId ? ` run ${f.runId}` : ''}: ${f.kind === 'nondeterminism' ? 'non-deterministic' : 'replay error'}, ${where}\n    ${f.message.split('\n')[0]}\n    from ${f.source}`;
}

/**
 * The bundle a history replays against: a given bundle file for every history, or, in a folder of
 * per-queue bundles (`npm run build`), the bundle of the queue that runs its workflow type.
 */
function bundleChooser(bundle: string): (input: ReplayInput) => string {
  if (fs.existsSync(bundle) && fs.statSync(bundle).isFile()) return () => bundle;
  return (input) => bundleFile(bundle, input.workflowType === AGENT_TASK_WORKFLOW ? 'agents' : 'control');
}

export interface ReplaySelection {
  files: string[];
  last?: number;
  types?: string[];
  bundle?: string;
}

/** Replays files and/or the last N closed runs per type from the configured server; prints each result. */
export async function runReplay(selection: ReplaySelection, print: (line: string) => void = say): Promise<ReplayReport> {
  if (selection.files.length === 0 && selection.last === undefined) {
    throw new DreamError('CLI_INVALID_OPTION', 'Nothing to replay.', 'Pass history files, or --last <n> to replay the last n closed runs of each workflow type from the server.');
  }
  const inputs: ReplayInput[] = selection.files.map(readHistoryFile);
  if (selection.last !== undefined) {
    const { client } = await clientFromEnv();
    try {
      print(`fetching the last ${selection.last} closed run(s) of each workflow type from namespace ${client.options.namespace} ...`);
      inputs.push(...(await closedRunHistories(client, selection.last, { types: selection.types })));
    } finally {
      await client.connection.close();
    }
  }
  const bundle = selection.bundle ?? defaultWorkflowBundleDir();
  print(`replaying ${inputs.length} histor${inputs.length === 1 ? 'y' : 'ies'} against ${bundle}`);
  const report = await replayHistories(bundleChooser(bundle), inputs, (input, failure) => print(failure ? describeReplayFailure(failure) : `✔ ${input.workflowType ?? 'workflow'} ${input.workflowId}${input.runId ? ` run ${input.runId}` : ''}`));
  print(`${report.replayed - report.failures.length} of ${report.replayed} replayed deterministically`);
  return report;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('Replay workflow histories (files, or the last N closed runs per workflow type on the server) against the current workflow bundle; exit 1 if one is non-deterministic')
    .argument('[files...]', 'history JSON files (`dreamos history export`, `temporal workflow show --output json`)')
    .option('--last <n>', 'also replay the last n closed runs of each workflow type from TEMPORAL_ADDRESS', positive)
    .option('--type <workflowType...>', 'with --last: only these workflow types')
    .option('--bundle <file>', 'workflow bundle file, or folder of per-queue bundles, to replay against (default: the built ones, dist/workflow-bundles/)')
    .action(async (files: string[], options: { last?: number; type?: string[]; bundle?: string }) => {
      Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
      const report = await runReplay({ files, last: options.last, types: options.type, bundle: options.bundle });
      if (report.failures.length > 0) process.exitCode = 1;
    });
}
