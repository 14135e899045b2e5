import { ApplicationFailure, condition, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { invalidWorkflowInput } from '../../src/contracts/failure-types';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { missionEndedSignal, TowerMissionState } from '../../src/contracts/tower';
import {
  ENDED_MISSION_STATES,
  missionForRun,
  parseScheduledMissionInput,
  runMissionId,
  ScheduleActivities,
  SCHEDULED_MISSION_REJECTED,
  SCHEDULED_MISSION_UNFINISHED,
  ScheduledMissionResult,
  ValidScheduledMissionInput,
} from '../../src/contracts/scheduled-mission';

/**
 * The submission goes through the tower with update-with-start, answered in milliseconds once the
 * control worker polls; it is retried while the tower cannot answer, not after a rejection.
 */
const { submitScheduledMission } = proxyActivities<ScheduleActivities>({
  taskQueue: TASK_QUEUES.control,
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '15m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [SCHEDULED_MISSION_REJECTED] },
});

/** The input, checked at the boundary: a schedule, a script or the Web UI may start a run. */
function validated(input: unknown): ValidScheduledMissionInput {
  const parsed = parseScheduledMissionInput(input);
  if (parsed.ok) return parsed.value;
  const where = parsed.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
  throw invalidWorkflowInput(
    `Invalid scheduled mission input — ${where}. Fix: start it with {"scheduleId", "mission", "priority"}; \`dreamos schedule create <mission-file>\` validates the mission file and builds it.`,
    parsed.issues,
  );
}

/** `30 min` for whole minutes, else `1500 ms`. */
const durationText = (ms: number) => (ms > 0 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms} ms`);

/**
 * One run of a mission schedule: submits the mission, under an id of its own, through the control
 * tower and stays open until the tower reports the mission's end, so the schedule's overlap policy
 * (skip) keeps runs of one schedule from overlapping.
 */
export async function scheduledMission(raw: unknown): Promise<ScheduledMissionResult> {
  const input = validated(raw);
  const info = workflowInfo();
  const mission = missionForRun(input.mission, runMissionId(input.mission.missionId, info.startTime));
  const { missionId } = mission;
  let ended: { state: TowerMissionState; reason?: string } | undefined;
  // Registered before submitting: the tower may report a short mission's end before the activity returns.
  setHandler(missionEndedSignal, (report) => {
    if (report.missionId === missionId) ended = { state: report.state, ...(report.reason ? { reason: report.reason } : {}) };
  });

  const submitted = await submitScheduledMission({ scheduleId: input.scheduleId, mission, priority: input.priority, notify: info.workflowId });
  log.info('scheduled mission submitted', { scheduleId: input.scheduleId, missionId, state: submitted.state, alreadySubmitted: submitted.alreadySubmitted });
  if (!ended && ENDED_MISSION_STATES.includes(submitted.state)) ended = { state: submitted.state, ...(submitted.reason ? { reason: submitted.reason } : {}) };

  if (!(await condition(() => ended !== undefined, mission.deadlineMs + input.endWaitMarginMs)) || !ended) {
    throw ApplicationFailure.create({
      type: SCHEDULED_MISSION_UNFINISHED,
      nonRetryable: true,
      message: `Mission ${missionId} did not report its end within its deadline (${mission.deadlineMs} ms) and ${durationText(input.endWaitMarginMs)}. Fix: see \`dreamos mission status ${missionId}\` and the tower's state; it may still be queued or running, and the schedule's next run no longer waits for it.`,
    });
  }
  return { missionId, state: ended.state, ...(ended.reason ? { reason: ended.reason } : {}) };
}
