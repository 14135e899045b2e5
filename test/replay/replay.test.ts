import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { testEnv } from '../helpers/temporal';
import { bundleCode } from '../../scripts/bundle-workflows';
import { bundleFile, WorkflowBundleRole } from '../../workers/paths';

const HISTORIES = path.join(__dirname, 'histories');

/** Each history replays against the bundle of the queue its workflow runs on. */
function roleOf(file: string): WorkflowBundleRole {
  return file.startsWith('mission-') ? 'control' : 'agents';
}

function recordedHistories(role?: WorkflowBundleRole) {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json') && (role === undefined || roleOf(f) === role))
    .sort()
    .map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'))) }));
}

async function replayAll(workflowBundle: { code: string } | { codePath: string }, role?: WorkflowBundleRole) {
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'dreamos-replay' }, recordedHistories(role))) {
    results.push(result);
  }
  return results;
}

describe('replay of recorded histories', () => {
  test('the committed histories cover healed, rolled-back and escalated runs', () => {
    const names = recordedHistories().map((h) => h.workflowId);
    expect(names).toEqual(
      expect.arrayContaining([
        // Recorded under agent-task-v5 and forget-dropped-facts, both deprecated now: runs started
        // before the deprecation must still replay until they have all closed.
        'agentTask-v5-rollback-with-memory',
        'agentTask-v5-healed-by-ladder',
        'agentTask-v6-rollback-forgets-facts',
        // Missions: dependencies, reassign, split and merge, retry after an outage; a person's default at the deadline.
        'mission-supervised',
        'mission-person-default-abandon',
      ]),
    );
  });

  test('the current workflow code replays every recorded history deterministically', async () => {
    const results = [...(await replayAll({ codePath: bundleFile(testEnv().bundleDir, 'agents') }, 'agents')), ...(await replayAll({ codePath: bundleFile(testEnv().bundleDir, 'control') }, 'control'))];
    expect(results.length).toBe(recordedHistories().length);
    for (const result of results) expect({ id: result.workflowId, error: result.error }).toEqual({ id: result.workflowId, error: undefined });
  });

  test('a deliberate non-deterministic change fails the replay', async () => {
    const code = await bundleCode(require.resolve('./fixtures/nondeterministic-workflows'));
    const results = await replayAll({ code });
    expect(results.length).toBe(recordedHistories().length);
    for (const result of results) expect(result.error).toBeInstanceOf(DeterminismViolationError);
  });
});
