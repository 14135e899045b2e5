import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { DreamError } from '../errors';
import { connectClient, temporalTarget } from '../temporal/connection';
import { currentVersion, deleteVersion, DeploymentVersion, describeVersion, pollUntil, setCurrentVersion, versionName } from '../temporal/deployment';
import { runReplay } from './replay';
import { say } from './context';

interface DeployOptions {
  buildId: string;
  deployment?: string;
  replayLast: number;
  bundle?: string;
  waitWorkers: number;
  drainTimeout: number;
  stopOld?: string;
}

function wholeNumber(option: string, example: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new DreamError('CLI_INVALID_OPTION', `${option} must be a whole number, got "${value}".`, `Pass e.g. ${option} ${example}.`);
    return n;
  };
}

/** Step 1: the new bundle must replay the last closed runs of every workflow type, or nothing changes. */
async function replayGate(options: DeployOptions): Promise<void> {
  if (options.replayLast === 0) return say('replay check skipped (--replay-last 0)');
  const report = await runReplay({ files: [], last: options.replayLast, bundle: options.bundle }, (line) => say(`  ${line}`));
  if (report.failures.length > 0) {
    throw new DreamError(
      'DEPLOY_REPLAY_FAILED',
      `Rollout refused: ${report.failures.length} of ${report.replayed} recent run(s) do not replay on the new build; nothing was changed.`,
      'Guard the change with patched() (see README, "Workflow versioning"), rebuild, and deploy again.',
    );
  }
}

/** Runs the operator's command that stops the old build's workers (docker, systemd, kill ...). */
function stopOldWorkers(command: string, old: DeploymentVersion): void {
  say(`stopping the workers of ${versionName(old)}: ${command}`);
  const result = spawnSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DREAMOS_OLD_BUILD_ID: old.buildId } });
  if (result.status !== 0) {
    throw new DreamError('DEPLOY_STOP_OLD_FAILED', `--stop-old exited with ${result.status ?? result.signal}; ${versionName(old)} is drained but its workers may still run.`, 'Stop them yourself; the version is deleted by the next `dreamos deploy`.');
  }
}

async function deploy(options: DeployOptions): Promise<void> {
  const config = loadConfig();
  const deploymentName = options.deployment ?? config.deployment.name;
  if (!deploymentName) throw new DreamError('CLI_INVALID_OPTION', 'No deployment name.', 'Pass --deployment <name> or set DREAMOS_DEPLOYMENT_NAME (the name the workers run with).');
  const next: DeploymentVersion = { deploymentName, buildId: options.buildId };
  const target = temporalTarget(config);
  const identity = `dreamos-deploy@${os.hostname()}`;
  const client = await connectClient(target, 10_000);
  const connection = client.connection;
  try {
    const previous = await currentVersion(connection, target.namespace, deploymentName);
    if (previous?.buildId === next.buildId) return say(`${versionName(next)} is already the current version.`);
    say(`rollout of ${versionName(next)} in namespace ${target.namespace} (current: ${previous ? versionName(previous) : 'none'})`);

    say('1/4 replaying recent runs on the new build ...');
    await replayGate(options);

    say(`2/4 waiting for workers of ${versionName(next)} to poll ...`);
    const wanted = previous ? ((await describeVersion(connection, target.namespace, previous))?.taskQueues ?? []) : [];
    const ready = await pollUntil(
      async () => {
        const state = await describeVersion(connection, target.namespace, next);
        return state && state.taskQueues.length > 0 && wanted.every((q) => state.taskQueues.includes(q)) ? state : undefined;
      },
      options.waitWorkers * 1000,
      () => new DreamError('DEPLOY_NO_WORKERS', `No workers of ${versionName(next)} poll ${wanted.join(', ') || 'any task queue'} after ${options.waitWorkers} s; nothing was changed.`, `Start them with DREAMOS_DEPLOYMENT_NAME=${deploymentName} DREAMOS_BUILD_ID=${next.buildId}, then rerun.`),
    );
    say(`  workers of ${versionName(next)} poll: ${ready.taskQueues.join(', ')}`);

    say(`3/4 making ${versionName(next)} current: new runs start on it, pinned runs stay on their build ...`);
    await setCurrentVersion(connection, target.namespace, next, identity);
    say(`  current version: ${versionName(next)}`);
    if (!previous) return say('4/4 no previous version to drain. Rollout done.');

    say(`4/4 draining ${versionName(previous)}: its workers keep serving the runs pinned to it ...`);
    let last = '';
    await pollUntil(
      async () => {
        const drainage = (await describeVersion(connection, target.namespace, previous))?.drainage ?? 'drained';
        if (drainage !== last) say(`  ${versionName(previous)}: ${(last = drainage)}`);
        return drainage === 'drained' ? true : undefined;
      },
      options.drainTimeout * 1000,
      () => new DreamError('DEPLOY_DRAIN_TIMEOUT', `${versionName(previous)} still has open pinned runs after ${options.drainTimeout} s.`, `The new version stays current; keep the old workers running until \`temporal worker deployment describe-version --deployment-name ${previous.deploymentName} --build-id ${previous.buildId}\` shows it drained, then stop them and delete it (\`temporal worker deployment delete-version\`). Next time raise --drain-timeout.`),
    );
    if (options.stopOld) stopOldWorkers(options.stopOld, previous);
    else say(`  drained: stop the workers of ${versionName(previous)} now (or pass --stop-old <command>).`);
    await deleteVersion(connection, target.namespace, previous, identity, options.waitWorkers * 1000);
    say(`  ${versionName(previous)} removed. Rollout done.`);
  } finally {
    await connection.close();
  }
}

export function deployCommand(): Command {
  return new Command('deploy')
    .description('Roll out a new worker build (Worker Versioning): replay check, wait for its workers, make it current, drain and remove the old build')
    .requiredOption('--build-id <id>', 'build id of the new workers (their DREAMOS_BUILD_ID)')
    .option('--deployment <name>', 'Worker Deployment name (default: DREAMOS_DEPLOYMENT_NAME)')
    .option('--replay-last <n>', 'replay the last n closed runs of each workflow type on the new bundle first (0: skip)', wholeNumber('--replay-last', 20), 20)
    .option('--bundle <file>', "the new build's workflow bundle file or folder for the replay check (default: dist/workflow-bundles/)")
    .option('--wait-workers <s>', 'how long to wait for the new workers to poll, and for the old ones to be gone', wholeNumber('--wait-workers', 120), 120)
    .option('--drain-timeout <s>', 'how long the old build may take to finish its pinned runs', wholeNumber('--drain-timeout', 3600), 3600)
    .option('--stop-old <command>', 'shell command that stops the old build\'s workers once drained (DREAMOS_OLD_BUILD_ID is set for it)')
    .action(async (options: DeployOptions) => {
      Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
      await deploy(options);
    });
}
