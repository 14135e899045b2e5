/**
 * A user's own script on the typed mission client: start a mission from a file, watch it, answer
 * the supervisor's questions by a rule of your own, and read the report.
 *
 *   npm run build && node dist/examples/mission-script.js examples/supervised-mission.json
 */
import { Client, Connection } from '@temporalio/client';
import type { MissionResult } from '../src/contracts/mission';
import { loadMissionFile } from '../src/tasks/load';
import { missionGraph, sendDecision, startMission } from '../src/missions/mission-client';
import { writeMissionReport } from '../src/missions/report';

/** Runs the mission; every question is answered "reassign to `role`". Returns the result and the report's paths. */
export async function runSupervisedMission(client: Client, file: string, options: { role: string; reportsDir: string; say?: (line: string) => void; missionId?: string }) {
  const say = options.say ?? ((line: string) => console.log(line));
  const input = loadMissionFile(file);
  if (options.missionId) {
    input.missionId = options.missionId;
    for (const task of input.tasks) task.spec.missionId = options.missionId;
  }
  const handle = await startMission(client, input);
  say(`started ${handle.workflowId}`);
  const answered = new Set<string>();
  let result: MissionResult | undefined;
  const done = handle.result().then((r) => (result = r));
  while (!result) {
    const graph = await missionGraph(handle).catch(() => undefined);
    for (const question of graph?.pending ?? []) {
      if (answered.has(question.taskId)) continue;
      answered.add(question.taskId);
      say(`question on ${question.taskId}: ${question.reason} → reassign to ${options.role}`);
      await sendDecision(client, input.missionId, { taskId: question.taskId, decision: 'reassign', role: options.role });
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 250))]);
  }
  const files = writeMissionReport(result, options.reportsDir);
  say(`mission ${result.missionId}: ${result.status}; report ${files.markdown}`);
  return { result, files };
}

async function main(): Promise<void> {
  const file = process.argv[2] ?? 'examples/supervised-mission.json';
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  try {
    await runSupervisedMission(new Client({ connection }), file, { role: 'strategist', reportsDir: '.dreamos/reports' });
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
