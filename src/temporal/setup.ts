import type { ConnectionLike as Connection } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { encodeSearchAttributeIndexedValueType, SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { DreamError, errorMessage } from '../errors';
import { SA } from '../contracts/search-attributes';

/** gRPC status codes the set-up branches on (numeric, as @grpc/grpc-js reports them). */
const GRPC = { NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

const codeOf = (err: unknown): number | undefined => (isGrpcServiceError(err) ? err.code : undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function permissionDenied(what: string, namespace: string, err: unknown, fix: string): DreamError {
  return new DreamError('TEMPORAL_PERMISSION_DENIED', `Not allowed to ${what} in namespace ${namespace}: ${errorMessage(err)}`, fix, { cause: err });
}

const refused = (err: unknown) => codeOf(err) === GRPC.PERMISSION_DENIED || codeOf(err) === GRPC.UNAUTHENTICATED;

export type SetupOutcome = 'created' | 'exists';

/**
 * Creates the namespace unless it exists, then waits until it serves calls (a new namespace is
 * "not found" on other frontends until their namespace cache refreshes, about 10 s).
 */
export async function ensureNamespace(connection: Connection, namespace: string, options: { retentionDays?: number; progress?: (line: string) => void; timeoutMs?: number } = {}): Promise<SetupOutcome> {
  const progress = options.progress ?? (() => undefined);
  let outcome: SetupOutcome = 'exists';
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (refused(err)) throw permissionDenied('describe the namespace', namespace, err, 'Use credentials with access to it (on Temporal Cloud: an API key or certificate of a namespace admin).');
    if (codeOf(err) !== GRPC.NOT_FOUND) throw err;
    outcome = await registerNamespace(connection, namespace, options.retentionDays ?? 3);
    progress(outcome === 'created' ? `namespace ${namespace} created; waiting until it serves ...` : `namespace ${namespace} exists`);
  }
  await untilServing(connection, namespace, options.timeoutMs ?? 60_000);
  return outcome;
}

async function registerNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<SetupOutcome> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
    return 'created';
  } catch (err) {
    // Created meanwhile by another `setup` (two hosts preparing one cluster): that is success.
    if (codeOf(err) === GRPC.ALREADY_EXISTS) return 'exists';
    if (refused(err)) {
      throw permissionDenied('create the namespace', namespace, err, 'Create it with an account that may (on Temporal Cloud: in the Cloud UI or with `tcld namespace create`), then rerun.');
    }
    throw err;
  }
}

async function untilServing(connection: Connection, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      return;
    } catch (err) {
      if (codeOf(err) !== GRPC.NOT_FOUND || Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

export interface SearchAttributeOutcome {
  name: string;
  type: SearchAttributeType;
  outcome: SetupOutcome;
}

/**
 * Registers every search attribute of `SA` in the namespace; one that exists with the same type is
 * left alone, one with another type is a DreamError (the workflows would fail to upsert it).
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>> = Object.values(SA)): Promise<SearchAttributeOutcome[]> {
  const existing = await listCustomAttributes(connection, namespace);
  const missing: Record<string, number> = {};
  const outcomes: SearchAttributeOutcome[] = [];
  for (const key of keys) {
    const wanted = encodeSearchAttributeIndexedValueType(key.type)!;
    const found = existing[key.name];
    if (found === undefined) {
      missing[key.name] = wanted;
      outcomes.push({ name: key.name, type: key.type, outcome: 'created' });
    } else if (found !== wanted) {
      throw new DreamError(
        'SEARCH_ATTRIBUTE_CONFLICT',
        `Search attribute ${key.name} exists in namespace ${namespace} with another type than ${key.type}.`,
        `Remove it (\`temporal operator search-attribute remove --name ${key.name} -n ${namespace}\`) or use another namespace, then rerun.`,
      );
    } else {
      outcomes.push({ name: key.name, type: key.type, outcome: 'exists' });
    }
  }
  if (Object.keys(missing).length > 0) await addAttributes(connection, namespace, missing);
  return outcomes;
}

async function listCustomAttributes(connection: Connection, namespace: string): Promise<Record<string, number>> {
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    return response.customAttributes as Record<string, number>;
  } catch (err) {
    if (refused(err)) throw permissionDenied('list search attributes', namespace, err, 'Use credentials of a namespace admin.');
    throw err;
  }
}

async function addAttributes(connection: Connection, namespace: string, attributes: Record<string, number>): Promise<void> {
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: attributes });
  } catch (err) {
    if (codeOf(err) === GRPC.ALREADY_EXISTS) return;
    if (refused(err)) {
      const names = Object.keys(attributes).join(', ');
      throw permissionDenied(
        `add the search attributes ${names}`,
        namespace,
        err,
        'Use credentials of a namespace admin, or add them yourself (Temporal Cloud UI, or `tcld namespace search-attributes add`), then rerun.',
      );
    }
    throw err;
  }
}
