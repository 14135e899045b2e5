import os from 'node:os';
import { Command, Option } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { selectedProvider } from '../llm';
import { connectWorker, temporalTarget } from '../temporal/connection';
import { TASK_QUEUE_ROLES, TaskQueueRole } from '../contracts/task-queues';
import { runWorkers } from '../../workers/run';
import { defaultWorkflowBundleDir } from '../../workers/paths';
import { say } from './context';
import { startHeartbeatFile } from '../scaling/heartbeat-file';
import { ACTIVATE_SIGNAL, waitForActivation } from '../scaling/standby';

const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT'];

export function workerCommand(): Command {
  return new Command('worker')
    .description('Run workers for one or more task queues against TEMPORAL_ADDRESS (how workers scale out and run in containers)')
    .addOption(new Option('--queue <role...>', 'task queues to serve').choices(TASK_QUEUE_ROLES).default(['agents']))
    .action(async (options: { queue: TaskQueueRole[] }) => {
      const config = loadConfig();
      // SIGINT/SIGTERM make the SDK shut the workers down gracefully (the default runtime behaviour).
      // The SDK's default shutdown signals include SIGUSR2, which here activates a standby worker.
      Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: SHUTDOWN_SIGNALS });
      const target = temporalTarget(config);
      // Listening before the slow part: an activation that arrives while booting is not lost.
      const hold = config.worker.standby ? waitForActivation() : undefined;
      const connection = await connectWorker(target);
      const running = await runWorkers(options.queue, {
        connection,
        namespace: config.temporal.namespace,
        config,
        workflowBundles: defaultWorkflowBundleDir(),
        identity: config.worker.identity ?? `${os.hostname()}-${process.pid}`,
        shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
      }, { hold });
      const stopBeating = startHeartbeatFile(config.worker.heartbeatFile, running.workers);
      const build = config.deployment.buildId ? `, build ${config.deployment.name}/${config.deployment.buildId}` : '';
      const serving = () => say(`worker ${process.pid} serving ${options.queue.join(', ')} at ${target.address}, namespace ${target.namespace}${build} (model: ${selectedProvider(config)})`);
      if (hold) {
        say(`worker ${process.pid} standing by for ${options.queue.join(', ')} (not polling until ${ACTIVATE_SIGNAL})`);
        if ((await hold) === 'stop') {
          // Nothing polled, nothing runs: no work to drain.
          stopBeating();
          say(`standby worker ${process.pid} stopped before it was activated`);
          process.exit(0);
        }
      }
      serving();
      await running.done.finally(stopBeating);
      await connection.close();
    });
}
