#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isDreamError } from '../errors';
import { upCommand } from './up';
import { submitCommand } from './submit';
import { controlCommands, historyCommand, statusCommand } from './inspect';
import { workerCommand } from './worker';
import { analyticsCommand } from './analytics';
import { memoryCommand } from './memory';
import { missionCommand } from './mission';
import { setupCommand } from './setup';
import { replayCommand } from './replay';
import { deployCommand } from './deploy';
import { swarmCommand } from './swarm';
import { towerCommand } from './tower';
import { scheduleCommand } from './schedule';

function program(): Command {
  const root = new Command('dreamos')
    .description('Dream.OS Swarm: durable swarms of LLM agents on Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const command of [upCommand(), submitCommand(), statusCommand(), historyCommand(), ...controlCommands(), workerCommand(), analyticsCommand(), memoryCommand(), setupCommand(), replayCommand(), deployCommand(), missionCommand(), swarmCommand(), towerCommand(), scheduleCommand()]) {
    root.addCommand(command.exitOverride());
  }
  return root;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
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
