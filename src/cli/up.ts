import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { selectedProvider } from '../llm';
import { loadMissionFile } from '../tasks/load';
import { connectClient, connectWorker } from '../temporal/connection';
import { ensureTemporal } from '../temporal/embedded';
import { TASK_QUEUE_ROLES } from '../contracts/task-queues';
import { runWorkers, RunningWorkers } from '../../workers/run';
import { defaultWorkflowBundleDir } from '../../workers/paths';
import { logToFile } from '../logger';
import { say } from './context';
import { runMission } from './mission';
import { ensureTower } from '../missions/tower-client';
import { TOWER_WORKFLOW_ID } from '../contracts/tower';

/** Stops workers and the embedded server on Ctrl-C / SIGTERM, once; a second signal forces exit. */
function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      say(`${signal} again: exiting now.`);
      process.exit(130);
    }
    stopping = true;
    say(`\n${signal}: draining workers and stopping the server ...`);
    stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export function upCommand(): Command {
  return new Command('up')
    .description('Bring up the embedded stack: Temporal dev server (unless TEMPORAL_ADDRESS answers) and the agents, nexus and control workers')
    .option('--mission <file>', 'run this mission (or task) file as one mission workflow once the stack is up, show its progress and write its report')
    .option('--exit-after-mission', 'stop the stack when the mission has finished (exit 1 if a task did not complete)')
    .option('--no-tower', 'do not start the control tower (missions then start directly, without admission control)')
    .action(async (options: { mission?: string; exitAfterMission?: boolean; tower: boolean }) => {
      const config = loadConfig();
      const mission = options.mission ? loadMissionFile(options.mission) : undefined;
      fs.mkdirSync(config.home, { recursive: true });
      logToFile(path.join(config.home, 'dreamos.log'));
      Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
      const provider = selectedProvider(config);
      say(provider === 'sim'
        ? 'Model: sim (deterministic simulator; no API key configured — set DREAMOS_MODEL_API_KEY to use a real model).'
        : `Model: ${config.model.name} at ${config.model.baseUrl}.`);

      const endpoint = await ensureTemporal(config, say);
      let running: RunningWorkers;
      const connection = await connectWorker(endpoint.target);
      try {
        running = await runWorkers(TASK_QUEUE_ROLES, {
          connection,
          namespace: config.temporal.namespace,
          config,
          workflowBundles: defaultWorkflowBundleDir(),
          identity: `${os.hostname()}-${process.pid}`,
        });
      } catch (err) {
        // No orphan: the embedded server goes down with a stack that could not come up.
        await connection.close().catch(() => undefined);
        if (endpoint.server) await endpoint.server.stop();
        throw err;
      }
      const stop = async () => {
        await running.shutdown();
        await connection.close();
        if (endpoint.server) await endpoint.server.stop();
        say('Stopped.');
      };
      onShutdownSignal(stop);
      say(`Workers running on task queues: ${TASK_QUEUE_ROLES.join(', ')}.`);
      if (endpoint.uiUrl) say(`Temporal Web UI: ${endpoint.uiUrl}`);
      if (running.dashboardUrl) say(`Failure dashboard: ${running.dashboardUrl}${config.dashboard.token ? ' (API needs DREAMOS_DASHBOARD_TOKEN)' : ''}`);
      say(`Memory and failure analytics: ${path.join(config.home, 'memory.db')}, ${path.join(config.home, 'analytics.db')}`);
      say(`Logs: ${path.join(config.home, 'dreamos.log')}`);

      if (options.tower) {
        const client = await connectClient(endpoint.target);
        try {
          const tower = await ensureTower(client);
          say(`Control tower: ${TOWER_WORKFLOW_ID} (run ${tower.run}, ${tower.missions.filter((m) => m.endedAt === undefined).length} mission(s) open; \`dreamos tower status\`).`);
        } finally {
          await client.connection.close();
        }
      }

      if (mission && options.mission) {
        const client = await connectClient(endpoint.target);
        say(`Submitting ${path.basename(options.mission)}: mission ${mission.missionId}, ${mission.tasks.length} task(s).`);
        const ok = await runMission(client, mission, { wait: true, home: config.home, uiUrl: endpoint.uiUrl, namespace: config.temporal.namespace });
        await client.connection.close();
        if (options.exitAfterMission) {
          await stop();
          process.exit(ok ? 0 : 1);
        }
      }
      say('Stack is up. Press Ctrl-C to stop.');
      await running.done;
    });
}
