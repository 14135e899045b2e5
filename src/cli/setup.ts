import { Command } from 'commander';
import { loadConfig } from '../config';
import { DreamError } from '../errors';
import { connectClient, temporalTarget } from '../temporal/connection';
import { ensureNamespace, ensureSearchAttributes } from '../temporal/setup';
import { say } from './context';

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new DreamError('CLI_INVALID_OPTION', `--retention-days must be a whole number of days, got "${value}".`, 'Pass e.g. --retention-days 3.');
  return days;
}

/** Runs `use` with a client of the configured server (TEMPORAL_ADDRESS, namespace, TLS, API key), closing it after. */
async function withClient<T>(use: (client: Awaited<ReturnType<typeof connectClient>>, namespace: string) => Promise<T>): Promise<T> {
  const target = temporalTarget(loadConfig());
  say(`Temporal at ${target.address}, namespace ${target.namespace}`);
  const client = await connectClient(target, 10_000);
  try {
    return await use(client, target.namespace);
  } finally {
    await client.connection.close();
  }
}

export function setupCommand(): Command {
  const setup = new Command('setup')
    .description('Prepare a Temporal cluster or Temporal Cloud namespace for Dream.OS (safe to rerun); the embedded server needs none of it')
    .exitOverride();

  setup
    .command('namespace')
    .description('Create TEMPORAL_NAMESPACE unless it exists, and wait until it serves')
    .option('--retention-days <n>', 'how long closed runs are kept (new namespaces only)', parseDays, 3)
    .action(async (options: { retentionDays: number }) => {
      await withClient(async (client, namespace) => {
        const outcome = await ensureNamespace(client.connection, namespace, { retentionDays: options.retentionDays, progress: say });
        say(outcome === 'created' ? `namespace ${namespace}: created (retention ${options.retentionDays} days)` : `namespace ${namespace}: already there`);
      });
    });

  setup
    .command('search-attributes')
    .description('Register the search attributes the workflows write (DreamRole, DreamMission, ...) in TEMPORAL_NAMESPACE')
    .action(async () => {
      await withClient(async (client, namespace) => {
        for (const a of await ensureSearchAttributes(client.connection, namespace)) {
          say(`${a.name} (${a.type}): ${a.outcome === 'created' ? 'registered' : 'already registered'}`);
        }
      });
    });

  return setup;
}
