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
  return file.startsWith('agentTask-') ? 'agents' : 'control';
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
  test('the committed histories cover rollback, healing, escalation, signals, an update, continue-as-new, failed model calls, missions and the scaler', () => {
    const names = recordedHistories().map((h) => h.workflowId);
    const scenarios = ['rollback-with-memory', 'healed-by-ladder', 'escalated', 'signals-and-update', 'continued-as-new', 'model-call-failed', 'model-call-timed-out'];
    // v7: recorded while the last patches were deprecated; they must keep replaying once the
    // deprecations are removed (runs started under v7 may still be open). v8: the current code.
    expect(names).toEqual(expect.arrayContaining(['v7', 'v8'].flatMap((release) => scenarios.map((s) => `agentTask-${release}-${s}`))));
    // Missions: dependencies, reassign, split and merge, retry after an outage; a person's default at the deadline;
    // recorded before the limits were checked at the slot (no patch marker) ...
    expect(names).toEqual(expect.arrayContaining(['mission-supervised', 'mission-person-default-abandon']));
    // The same mission after its decisions' events went to the background (marker mission-events-in-background).
    expect(names).toEqual(expect.arrayContaining(['mission-supervised-events-in-background']));
    // Tasks queued for a slot, handed it one at a time (marker mission-slot-queue).
    expect(names).toEqual(expect.arrayContaining(['mission-slot-queue']));
    // ... and after (marker mission-limits-at-slot): model advice, hand-offs, the token budget, the deadline.
    expect(names).toEqual(expect.arrayContaining(['mission-advised', 'mission-handoff', 'mission-token-budget', 'mission-deadline']));
    // Advice to abandon a task a person decides on: followed before the patch mission-person-over-abandon-advice, the person asked after it.
    expect(names).toEqual(expect.arrayContaining(['mission-advised-abandon-asks-person-unpatched', 'mission-advised-abandon-asks-person']));
    // A task on its worker profile's queue: started on agents before that change (no patch: replay does not match the queue), and now.
    expect(names).toEqual(expect.arrayContaining(['mission-worker-profile-unpatched', 'mission-worker-profile']));
    // The control tower: intake, a rejection, admission in priority order, pause/resume/cancel, alerts, continue-as-new.
    expect(names).toEqual(expect.arrayContaining(['tower-admission-and-steering', 'tower-after-continue-as-new']));
    // A mission schedule's run: submitted through the tower, then the tower's missionEnded signal.
    expect(names).toEqual(expect.arrayContaining(['scheduledMission-completed']));
    // The scaler: a burst scaled up and released, limits by update, a drain by signal; two runs of a continue-as-new chain; a standby activated on a burst, refilled, and released by update.
    expect(names).toEqual(expect.arrayContaining(['scaler-scale-and-drain', 'scaler-continued-as-new', 'scaler-continued-as-new-run2', 'scaler-standby']));
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
