import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { DreamError, errorMessage } from '../errors';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** One history to replay, with where it came from (a file, or a run on the server). */
export interface ReplayInput {
  workflowId: string;
  runId?: string;
  workflowType?: string;
  source: string;
  history: History;
}

/** A run the current workflow code does not replay, and where its history and the code part ways. */
export interface ReplayFailure {
  workflowId: string;
  runId?: string;
  workflowType?: string;
  source: string;
  /** The first history event the code did not reproduce, when the SDK's message names it. */
  divergingEvent?: { id: number; type: string };
  /** `nondeterminism` for a DeterminismViolationError, `error` for anything else (bad history, bundle failure). */
  kind: 'nondeterminism' | 'error';
  message: string;
}

export interface ReplayReport {
  replayed: number;
  failures: ReplayFailure[];
}

/** An event's type as its attributes field names it (`activityTaskScheduled`), without the proto enum. */
function eventType(event: HistoryEvent): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && (event as Record<string, unknown>)[k] != null);
  return key ? key.replace(/EventAttributes$/, '') : 'unknown';
}

/** sdk-core names the event it could not match as `HistoryEvent(id: 5, ...)` or `event id 5`. */
function divergingEvent(message: string, history: History): ReplayFailure['divergingEvent'] {
  const match = /HistoryEvent\(id: (\d+)/.exec(message) ?? /event(?:[ _]?id)?[:= ]+(\d+)/i.exec(message);
  if (!match) return undefined;
  const id = Number(match[1]);
  const event = history.events?.find((e) => Number(e.eventId) === id);
  return { id, type: event ? eventType(event) : 'unknown' };
}

/** A history file written by `dreamos history export` or `temporal workflow show --output json`. */
export function readHistoryFile(file: string): ReplayInput {
  let history: History;
  try {
    history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new DreamError('HISTORY_FILE_INVALID', `Cannot read the history file ${file}: ${errorMessage(err)}.`, 'Pass a file written by `dreamos history export` or `temporal workflow show --output json`.', { cause: err });
  }
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const workflowId = started?.workflowId ?? file.replace(/^.*\//, '').replace(/\.json$/, '');
  return { workflowId, workflowType: started?.workflowType?.name ?? undefined, source: file, history };
}

/**
 * The histories of the last `perType` closed runs of each workflow type on the server, found by
 * a visibility query and capped at `scanLimit` runs scanned. Visibility lists the most recently
 * closed first; the query has no ORDER BY, which SQL visibility (PostgreSQL) refuses.
 */
export async function closedRunHistories(client: Client, perType: number, options: { types?: string[]; scanLimit?: number } = {}): Promise<ReplayInput[]> {
  const counts = new Map<string, number>();
  const inputs: ReplayInput[] = [];
  let scanned = 0;
  const typeFilter = options.types?.length ? ` AND WorkflowType IN (${options.types.map((t) => `'${t.replace(/'/g, '')}'`).join(', ')})` : '';
  for await (const run of client.workflow.list({ query: `ExecutionStatus != 'Running'${typeFilter}` })) {
    if (++scanned > (options.scanLimit ?? 2_000)) break;
    const seen = counts.get(run.type) ?? 0;
    if (seen >= perType) continue;
    counts.set(run.type, seen + 1);
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    inputs.push({ workflowId: run.workflowId, runId: run.runId, workflowType: run.type, source: `${client.options.namespace}/${run.workflowId}/${run.runId}`, history });
  }
  return inputs;
}

/** Replays every input against the workflow bundle; returns how many replayed and which failed, and where. */
export async function replayHistories(
  bundleOf: (input: ReplayInput) => string,
  inputs: ReplayInput[],
  onResult: (input: ReplayInput, failure?: ReplayFailure) => void = () => undefined,
): Promise<ReplayReport> {
  const failures: ReplayFailure[] = [];
  // One at a time, keyed by position: two runs of one workflow id may both be replayed.
  for (const input of inputs) {
    const bundlePath = bundleOf(input);
    if (!fs.existsSync(bundlePath)) {
      throw new DreamError('WORKFLOW_BUNDLE_MISSING', `No workflow bundle at ${bundlePath}.`, 'Run `npm run build`, or pass --bundle <file or folder>.');
    }
    const results = Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath }, replayName: 'dreamos-replay' }, [{ workflowId: input.workflowId, history: input.history }]);
    for await (const result of results) {
      const failure = result.error ? describeFailure(input, result.error) : undefined;
      if (failure) failures.push(failure);
      onResult(input, failure);
    }
  }
  return { replayed: inputs.length, failures };
}

function describeFailure(input: ReplayInput, error: Error): ReplayFailure {
  const nondeterminism = error.name === 'DeterminismViolationError';
  return {
    workflowId: input.workflowId,
    runId: input.runId,
    workflowType: input.workflowType,
    source: input.source,
    divergingEvent: divergingEvent(error.message, input.history),
    kind: nondeterminism ? 'nondeterminism' : 'error',
    message: error.message,
  };
}
