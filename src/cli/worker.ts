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

export function workerCommand(): Command {
  return new Command('worker')
    .description('Run workers for one or more task queues against TEMPORAL_ADDRESS (how workers scale out and run in containers)')
    .addOption(new Option('--queue <role...>', 'task queues to serve').choices(TASK_QUEUE_ROLES).default(['agents']))
    .action(async (options: { queue: TaskQueueRole[] }) => {
      const config = loadConfig();
      // SIGINT/SIGTERM make the SDK shut the workers down gracefully (the default runtime behaviour).
      Runtime.install({ logger: new DefaultLogger('WARN') });
      const target = temporalTarget(config);
      const connection = await connectWorker(target);
      const running = await runWorkers(options.queue, {
        connection,
        namespace: config.temporal.namespace,
        config,
        workflowBundles: defaultWorkflowBundleDir(),
        identity: `${os.hostname()}-${process.pid}`,
      });
      const build = config.deployment.buildId ? `, build ${config.deployment.name}/${config.deployment.buildId}` : '';
      say(`worker ${process.pid} serving ${options.queue.join(', ')} at ${target.address}, namespace ${target.namespace}${build} (model: ${selectedProvider(config)})`);
      await running.done;
      await connection.close();
    });
}
