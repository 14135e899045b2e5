import { temporal } from '@temporalio/proto';
import { AGENT_TASK_WORKFLOW } from '../../src/contracts/agent-task';
import { MISSION_WORKFLOW } from '../../src/contracts/mission';
import { INVALID_WORKFLOW_INPUT } from '../../src/contracts/failure-types';
import { TASK_QUEUES } from '../../src/contracts/task-queues';
import { SCALER_WORKFLOW } from '../../src/contracts/scaler';
import { TOWER_WORKFLOW } from '../../src/contracts/tower';
import { SCHEDULED_MISSION_WORKFLOW } from '../../src/contracts/scheduled-mission';
import { DEFAULT_POLICY } from '../../src/scaling/policy';
import { STANDARD_PROFILE } from '../../src/scaling/profiles';
import { uniqueId, useTestWorkers, workflowFailure } from '../helpers/temporal';

const { EventType } = temporal.api.enums.v1;
const env = useTestWorkers({ queues: ['agents', 'nexus', 'control'] });

interface BadInput {
  what: string;
  /** The arguments a client sends (as `temporal workflow start --input` would). */
  args: unknown[];
  /** A field the failure must name. */
  names: string;
}

/**
 * Each workflow type the workers register, started as any client could start it: with no input,
 * an empty one, a partial one and a wrongly typed one.
 */
const WORKFLOWS: Array<{ type: string; taskQueue: string; inputs: BadInput[] }> = [
  {
    type: AGENT_TASK_WORKFLOW,
    taskQueue: TASK_QUEUES.agents,
    inputs: [
      { what: 'no input at all', args: [], names: '(input)' },
      { what: 'an empty object', args: [{}], names: 'spec' },
      { what: 'a partial spec', args: [{ spec: { taskId: 'partial', role: 'researcher' } }], names: 'spec.goal' },
      { what: 'a wrongly typed field', args: [{ spec: { taskId: 'typed', role: 'researcher', goal: 'Map the market', outputSchema: 'research', steps: 'three' } }], names: 'spec.steps' },
      { what: 'an unknown output schema', args: [{ spec: { taskId: 'schema', role: 'researcher', goal: 'Map the market', outputSchema: 'poem' } }], names: 'spec.outputSchema' },
      { what: 'a string', args: ['research the market'], names: '(input)' },
    ],
  },
  {
    type: SCALER_WORKFLOW,
    taskQueue: TASK_QUEUES.control,
    inputs: [
      { what: 'no input at all', args: [], names: '(input)' },
      { what: 'an empty object', args: [{}], names: 'config' },
      { what: 'a partial config', args: [{ config: { swarmId: 'bad-input' } }], names: 'config.profiles' },
      { what: 'min above max', args: [{ config: { swarmId: 'bad-input', profiles: [{ profile: STANDARD_PROFILE, policy: { ...DEFAULT_POLICY, minWorkers: 9, maxWorkers: 2 } }] } }], names: 'config.profiles.0.policy.minWorkers' },
      { what: 'a standby count out of range', args: [{ config: { swarmId: 'bad-input', profiles: [{ profile: STANDARD_PROFILE, policy: { ...DEFAULT_POLICY, standbyWorkers: -1 } }] } }], names: 'config.profiles.0.policy.standbyWorkers' },
      { what: 'a swarm id unfit for container names', args: [{ config: { swarmId: 'Bad Swarm!', profiles: [{ profile: STANDARD_PROFILE, policy: DEFAULT_POLICY }] } }], names: 'config.swarmId' },
    ],
  },
  {
    type: MISSION_WORKFLOW,
    taskQueue: TASK_QUEUES.control,
    inputs: [
      { what: 'no input at all', args: [], names: '(input)' },
      { what: 'an empty object', args: [{}], names: 'missionId' },
      { what: 'no tasks', args: [{ missionId: 'm', tasks: [] }], names: 'tasks' },
      { what: 'a wrongly typed limit', args: [{ missionId: 'm', tasks: [missionTask('a')], maxConcurrentTasks: 'two' }], names: 'maxConcurrentTasks' },
      { what: 'a dependency cycle', args: [{ missionId: 'm', tasks: [missionTask('a', ['b']), missionTask('b', ['a'])] }], names: 'tasks' },
      { what: 'a string', args: ['run the mission'], names: '(input)' },
    ],
  },
  {
    // No input at all is valid for the tower (default limits), and it would then run for good.
    type: TOWER_WORKFLOW,
    taskQueue: TASK_QUEUES.control,
    inputs: [
      { what: 'a string', args: ['start the tower'], names: '(input)' },
      { what: 'a misspelt field', args: [{ limit: { maxConcurrentAgentTasks: 4 } }], names: 'limit' },
      { what: 'a wrongly typed limit', args: [{ limits: { maxConcurrentAgentTasks: 'many' } }], names: 'limits.maxConcurrentAgentTasks' },
      { what: 'a carried state it did not write', args: [{ carried: 5 }], names: 'carried' },
    ],
  },
  {
    type: SCHEDULED_MISSION_WORKFLOW,
    taskQueue: TASK_QUEUES.control,
    inputs: [
      { what: 'no input at all', args: [], names: '(input)' },
      { what: 'an empty object', args: [{}], names: 'scheduleId' },
      { what: 'no mission', args: [{ scheduleId: 'nightly' }], names: 'mission' },
      { what: 'a mission with a cycle', args: [{ scheduleId: 'nightly', mission: { missionId: 'm', tasks: [missionTask('a', ['b']), missionTask('b', ['a'])] } }], names: 'mission.tasks' },
      { what: 'a wrongly typed priority', args: [{ scheduleId: 'nightly', mission: { missionId: 'm', tasks: [missionTask('a')] }, priority: 'high' }], names: 'priority' },
      { what: 'a string', args: ['every hour'], names: '(input)' },
    ],
  },
];

function missionTask(taskId: string, dependsOn: string[] = []) {
  return { spec: { taskId, missionId: 'm', role: 'researcher', goal: 'Map the market', outputSchema: 'research' }, dependsOn, supervision: {} };
}

const cases = WORKFLOWS.flatMap(({ type, taskQueue, inputs }) => inputs.map((input) => ({ type, taskQueue, ...input })));

describe('every workflow validates its input at the boundary, whoever starts it', () => {
  test.each(cases)('$type started with $what fails at once, naming $names', async ({ type, taskQueue, args, names }) => {
    const handle = await env.client.workflow.start(type, { taskQueue, workflowId: uniqueId(`bad-input-${type}`), args });
    const cause = await workflowFailure(handle);

    expect(cause).toMatchObject({ type: INVALID_WORKFLOW_INPUT, nonRetryable: true });
    expect(cause.message).toContain(`${names}:`);
    expect(cause.message).toContain('Fix:');
    // Failed by its first workflow task: no task failure retried in a loop, no activity scheduled.
    const events = (await handle.fetchHistory()).events ?? [];
    const types = events.map((e) => e.eventType);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toEqual([]);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toEqual([]);
    expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
  });
});
