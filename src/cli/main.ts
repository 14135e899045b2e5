#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isDreamError } from '../errors';

/** Every command, loaded only when the program needs them all. */
async function allCommands(): Promise<Command[]> {
  const [up, submit, inspect, worker, analytics, memory, setup, replay, deploy, mission, swarm, tower, schedule] = await Promise.all([
    import('./up'),
    import('./submit'),
    import('./inspect'),
    import('./worker'),
    import('./analytics'),
    import('./memory'),
    import('./setup'),
    import('./replay'),
    import('./deploy'),
    import('./mission'),
    import('./swarm'),
    import('./tower'),
    import('./schedule'),
  ]);
  return [up.upCommand(), submit.submitCommand(), inspect.statusCommand(), inspect.historyCommand(), ...inspect.controlCommands(), worker.workerCommand(), analytics.analyticsCommand(), memory.memoryCommand(), setup.setupCommand(), replay.replayCommand(), deploy.deployCommand(), mission.missionCommand(), swarm.swarmCommand(), tower.towerCommand(), schedule.scheduleCommand()];
}

/**
 * `dreamos worker` loads only its own command: the scaler starts workers when work piles up, and
 * the other commands' modules would add a fifth to every worker's boot.
 */
async function program(argv: string[]): Promise<Command> {
  const root = new Command('dreamos')
    .description('Dream.OS Swarm: durable swarms of LLM agents on Temporal')
    .showHelpAfterError()
    .exitOverride();
  const commands = argv[2] === 'worker' ? [(await import('./worker')).workerCommand()] : await allCommands();
  for (const command of commands) root.addCommand(command.exitOverride());
  return root;
}

async function main(argv: string[]): Promise<void> {
  try {
    await (await program(argv)).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isDreamError(err)) {
      process.stderr.write(`error [${err.code}]: ${err.describe()}\n`);
      if (process.env.DREAMOS_DEBUG) console.error(err);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

main(process.argv).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
