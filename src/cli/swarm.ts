import { Command, InvalidArgumentError, Option } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { loadConfig } from '../config';
import { DreamError, errorMessage } from '../errors';
import { chooseBackend } from '../scaling/backend';
import { defaultScalerInput, scalerHandle, startScaler } from '../scaling/client';
import { dockerOrFail, ensureWorkerImage, OFFLINE_BASE } from '../scaling/image';
import { DEFAULT_POLICY } from '../scaling/policy';
import { HEAVY_PROFILE, STANDARD_PROFILE } from '../scaling/profiles';
import { drainWorkerSignal, ScalerStatus, scalerStateQuery, setLimitsUpdate } from '../contracts/scaler';
import { clientFromEnv, say } from './context';

const SWARM_OPTION = () => new Option('--swarm <id>', 'swarm id (prefixes worker names and labels)').default('main');

function count(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 1000) throw new InvalidArgumentError('expected an integer from 0 to 1000');
  return value;
}

async function withScaler<T>(swarmId: string, run: (handle: ReturnType<typeof scalerHandle>) => Promise<T>): Promise<T> {
  const { client } = await clientFromEnv();
  try {
    return await run(scalerHandle(client, swarmId));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || /not found/i.test(errorMessage(err))) {
      throw new DreamError('SCALER_NOT_RUNNING', `No scaler is running for swarm ${swarmId}.`, 'Start it with `dreamos swarm start --swarm <id>` (a control and a nexus worker must run).', { cause: err });
    }
    if (err instanceof WorkflowUpdateFailedError) throw new DreamError('SCALE_REFUSED', `The scaler refused the change: ${errorMessage(err.cause)}`, 'Correct the value named above.');
    throw err;
  } finally {
    await client.connection.close();
  }
}

function printStatus(status: ScalerStatus): void {
  say(`swarm ${status.swarmId} · tick ${status.tick}`);
  for (const d of status.decisions) {
    const q = status.observations[d.profile];
    const limits = status.limits[d.profile];
    say(`  ${d.profile}: ${d.current} live → ${d.desired} desired (${d.reason}); limits ${limits.minWorkers}..${limits.maxWorkers}`);
    if (q) say(`    backlog ${q.activityBacklog} activity / ${q.workflowBacklog} workflow tasks (age ${Math.round(q.backlogAgeMs)} ms), ${q.openTasks} open tasks, ${q.pollers.length} pollers`);
  }
  for (const w of status.workers) say(`  ${w.name}  ${w.profile}  ${w.state}${w.draining ? '  draining' : ''}${w.standby ? '  standby (not polling)' : ''}`);
}

function startCommand(): Command {
  return new Command('start')
    .description('Start the swarm\'s scaler on the control queue (or attach to the running one)')
    .addOption(SWARM_OPTION())
    .option('--min <n>', 'minimum workers of the standard profile', count, DEFAULT_POLICY.minWorkers)
    .option('--max <n>', 'maximum workers of the standard profile', count, DEFAULT_POLICY.maxWorkers)
    .option('--heavy-max <n>', 'also size a heavy profile (queue agents-heavy) up to this many workers', count)
    .option('--standby <n>', 'warm standby workers of the standard profile: booted, not polling, activated first on a scale-up (each costs its memory while it waits)', count, DEFAULT_POLICY.standbyWorkers)
    .option('--interval <ms>', 'time between observations', count, 5_000)
    .action(async (options: { swarm: string; min: number; max: number; standby: number; heavyMax?: number; interval: number }) => {
      const { client } = await clientFromEnv();
      try {
        const profiles = [{ profile: STANDARD_PROFILE, policy: { ...DEFAULT_POLICY, minWorkers: options.min, maxWorkers: options.max, standbyWorkers: options.standby } }];
        if (options.heavyMax) profiles.push({ profile: HEAVY_PROFILE, policy: { ...DEFAULT_POLICY, minWorkers: 0, maxWorkers: options.heavyMax } });
        const handle = await startScaler(client, defaultScalerInput(options.swarm, { profiles, intervalMs: options.interval }));
        say(`scaler ${handle.workflowId} running (control queue); \`dreamos swarm status --swarm ${options.swarm}\` shows its decisions`);
      } finally {
        await client.connection.close();
      }
    });
}

export function swarmCommand(): Command {
  const swarm = new Command('swarm').description('Dynamic scaling of agent workers: the scaler, its workers, their logs');
  swarm.addCommand(startCommand());
  swarm
    .command('status')
    .description('Observed load, live and desired workers per profile, and each worker')
    .addOption(SWARM_OPTION())
    .option('--json', 'print the scaler state as JSON')
    .action(async (options: { swarm: string; json?: boolean }) => {
      const status = await withScaler(options.swarm, (handle) => handle.query(scalerStateQuery));
      if (options.json) say(JSON.stringify(status, null, 2));
      else printStatus(status);
    });
  swarm
    .command('scale')
    .description('Change the minimum, maximum and/or warm standby workers (all profiles, or one)')
    .addOption(SWARM_OPTION())
    .option('--min <n>', 'minimum workers', count)
    .option('--max <n>', 'maximum workers', count)
    .option('--standby <n>', 'warm standby workers (booted, not polling; none are kept at the maximum)', count)
    .option('--profile <name>', 'only this profile')
    .action(async (options: { swarm: string; min?: number; max?: number; standby?: number; profile?: string }) => {
      if (options.min === undefined && options.max === undefined && options.standby === undefined) {
        throw new DreamError('SCALE_NOTHING', 'None of --min, --max or --standby was given.', 'Pass --min <n>, --max <n> and/or --standby <n>.');
      }
      const limits = await withScaler(options.swarm, (handle) =>
        handle.executeUpdate(setLimitsUpdate, { args: [{ profile: options.profile, minWorkers: options.min, maxWorkers: options.max, standbyWorkers: options.standby }] }),
      );
      for (const [name, l] of Object.entries(limits)) say(`${name}: ${l.minWorkers}..${l.maxWorkers} workers${l.standbyWorkers ? `, ${l.standbyWorkers} standby` : ''}`);
    });
  swarm
    .command('drain')
    .description('Drain one worker (it finishes its running tasks, then is removed), or every worker (max 0)')
    .addOption(SWARM_OPTION())
    .argument('[worker]', 'worker name (see `dreamos swarm status`); omitted: all of them')
    .action(async (worker: string | undefined, options: { swarm: string }) => {
      await withScaler(options.swarm, async (handle) => {
        if (worker) {
          await handle.signal(drainWorkerSignal, worker);
          say(`draining ${worker}; the scaler replaces it if the load needs a worker`);
        } else {
          await handle.executeUpdate(setLimitsUpdate, { args: [{ minWorkers: 0, maxWorkers: 0 }] });
          say(`draining every worker of swarm ${options.swarm} (limits 0..0; \`dreamos swarm scale --max <n>\` brings them back)`);
        }
      });
    });
  swarm
    .command('logs')
    .description("A worker's output (container logs, or the process backend's log file)")
    .argument('<worker>', 'worker name')
    .option('--tail <n>', 'last lines', count, 200)
    .action(async (worker: string, options: { tail: number }) => {
      const { backend } = await chooseBackend(loadConfig());
      process.stdout.write(await backend.logs(worker, options.tail));
    });
  swarm
    .command('build-image')
    .description('Build the worker image (temporal-docker/Dockerfile.worker) from the built project and tag it as DREAMOS_WORKER_IMAGE')
    .option('--base <image>', 'base image (the offline base is built from this host when missing)', OFFLINE_BASE)
    .action(async (options: { base: string }) => {
      const config = loadConfig();
      const docker = await dockerOrFail(say);
      const id = await ensureWorkerImage(docker, { baseImage: options.base, alsoTag: config.scaling.image, progress: say });
      say(`worker image ${config.scaling.image} (${id.slice(7, 19)})`);
    });
  return swarm;
}
