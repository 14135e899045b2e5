import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { isDreamError } from '../src/errors';
import { submitThroughTower, towerRunning, towerState } from '../src/missions/tower-client';
import { scheduleSource, SCHEDULED_MISSION_REJECTED, ScheduleActivities, SubmitScheduledMissionInput, SubmittedScheduledMission } from '../src/contracts/scheduled-mission';

/**
 * The tower already knows the run's mission when an earlier attempt of this activity submitted it
 * (the attempt's answer was lost): the same id, to be reported to the same run.
 */
async function submittedBefore(client: Client, input: SubmitScheduledMissionInput): Promise<SubmittedScheduledMission | undefined> {
  if (!(await towerRunning(client))) return undefined;
  const known = (await towerState(client)).missions.find((m) => m.missionId === input.mission.missionId && m.notify === input.notify);
  if (!known) return undefined;
  return { missionId: known.missionId, workflowId: known.workflowId, state: known.state, alreadySubmitted: true, ...(known.reason ? { reason: known.reason } : {}) };
}

/**
 * Runs of mission schedules enter through the control tower (update-with-start: the tower is
 * started if it does not run). Idempotent: a retry whose mission the tower already holds for the
 * same run succeeds with what the tower knows of it, asked before submitting (the tower would take
 * an ended mission's id again) and after a refusal (a race with the lost attempt); any other
 * refusal fails the run for good.
 */
export const createScheduleActivities = (client: Client): ScheduleActivities => ({
  async submitScheduledMission(input) {
    const known = await submittedBefore(client, input);
    if (known) return known;
    const request = { mission: input.mission, priority: input.priority, source: scheduleSource(input.scheduleId), notify: input.notify };
    try {
      const result = await submitThroughTower(client, request, { start: true });
      return { missionId: result.missionId, workflowId: result.workflowId, state: result.state, alreadySubmitted: false };
    } catch (err) {
      if (!isDreamError(err) || err.code !== 'TOWER_REJECTED') throw err;
      const earlier = await submittedBefore(client, input);
      if (earlier) return earlier;
      throw ApplicationFailure.create({ type: SCHEDULED_MISSION_REJECTED, nonRetryable: true, message: `${err.message} Fix: ${err.fix}` });
    }
  },
});
