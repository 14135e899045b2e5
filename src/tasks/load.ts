import fs from 'node:fs';
import { z } from 'zod';
import { DreamError, errorMessage } from '../errors';
import { AgentTaskSpec, taskSchemas } from '../contracts/agent-task-spec';
import { InputIssue, MissionInput, parseMissionInput, parseSupervision } from '../contracts/mission-spec';

function formatIssues(file: string, prefix: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.').replace(/\.(\d+)/g, '[$1]');
      return `${file}: ${where || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

function invalid(file: string, details: string): DreamError {
  return new DreamError('TASK_FILE_INVALID', `Invalid task file:\n${details}`, 'Correct the fields named above; see examples/ for valid task and mission files.');
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Task fields win over mission defaults; nested option groups merge field by field. */
function withDefaults(defaults: Json, task: Json): Json {
  const merged: Json = { ...defaults, ...task };
  for (const group of ['model', 'budget', 'timeouts']) {
    if (isObject(defaults[group]) && isObject(task[group])) merged[group] = { ...defaults[group], ...task[group] };
  }
  return merged;
}

/** Validates parsed JSON as a mission file (`{ mission, tasks: [...] }`) or a single task. */
export function parseTaskDocument(document: unknown, file = '<input>'): AgentTaskSpec[] {
  if (isObject(document) && 'tasks' in document) {
    const mission = taskSchemas().missionFile.safeParse(document);
    if (!mission.success) throw invalid(file, formatIssues(file, '', mission.error));
    const defaults = (mission.data.defaults ?? {}) as Json;
    const specs = mission.data.tasks.map((task, index) => {
      const parsed = taskSchemas().agentTaskSpec.safeParse({ ...withDefaults(defaults, task), missionId: mission.data.mission });
      if (!parsed.success) throw invalid(file, formatIssues(file, `tasks.${index}`, parsed.error));
      return parsed.data;
    });
    const ids = new Set<string>();
    for (const spec of specs) {
      if (ids.has(spec.taskId)) throw invalid(file, `${file}: tasks: duplicate taskId "${spec.taskId}"`);
      ids.add(spec.taskId);
    }
    return specs;
  }
  const single = taskSchemas().agentTaskSpec.safeParse(document);
  if (!single.success) throw invalid(file, formatIssues(file, '', single.error));
  return [single.data];
}

/** The fields a mission file adds to the task fields and the mission's own fields. */
const MISSION_ONLY = ['maxConcurrentTasks', 'deadlineMs', 'maxTokens', 'maxHandoffs', 'supervision'] as const;
const TASK_ONLY = ['dependsOn', 'supervision', 'handoffTo'] as const;

function without(object: Json, keys: readonly string[]): Json {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

function listIssues(file: string, issues: InputIssue[]): string {
  return issues.map((issue) => `${file}: ${issue.path}: ${issue.message}`).join('\n');
}

/**
 * Validates parsed JSON as a mission: its tasks (a single task file is a mission of one task), the
 * dependency graph (a cycle, an unknown or a duplicate id is named), limits and supervision.
 */
export function parseMissionDocument(document: unknown, file = '<input>'): MissionInput {
  const isMission = isObject(document) && 'tasks' in document;
  const rawTasks: unknown[] = isMission && Array.isArray(document.tasks) ? document.tasks : [document];
  const taskDocument = isMission ? { ...without(document, MISSION_ONLY), tasks: rawTasks.map((t) => (isObject(t) ? without(t, TASK_ONLY) : t)) } : document;
  const specs = parseTaskDocument(taskDocument, file);
  const missionFields = isMission ? document : {};
  const tasks = specs.map((spec, index) => {
    const raw = isObject(rawTasks[index]) ? (rawTasks[index] as Json) : {};
    const supervision = parseSupervision(missionFields.supervision, raw.supervision);
    if (!supervision.ok) throw invalid(file, listIssues(file, supervision.issues.map((i) => ({ ...i, path: isMission ? `tasks[${index}].${i.path}` : i.path }))));
    return { spec, dependsOn: raw.dependsOn ?? [], supervision: supervision.value, ...(raw.handoffTo !== undefined ? { handoffTo: raw.handoffTo } : {}) };
  });
  const parsed = parseMissionInput({
    missionId: specs[0].missionId,
    ...(typeof missionFields.goal === 'string' ? { goal: missionFields.goal } : {}),
    tasks,
    ...Object.fromEntries(MISSION_ONLY.filter((k) => k !== 'supervision' && k in missionFields).map((k) => [k, missionFields[k]])),
  });
  if (!parsed.ok) throw invalid(file, listIssues(file, parsed.issues.map((i) => ({ ...i, path: i.path.replace(/^tasks\[(\d+)\]\.spec\./, 'tasks[$1].') }))));
  return parsed.value;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DreamError('TASK_FILE_UNREADABLE', `Cannot read task file ${file}: ${errorMessage(err)}`, 'Check the path; examples/ has task files to start from.');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(file, `${file}: not valid JSON (${errorMessage(err)})`);
  }
}

/** Reads a JSON mission (or single task) file as a mission; every problem is a DreamError naming the field. */
export function loadMissionFile(file: string): MissionInput {
  return parseMissionDocument(readJson(file), file);
}

/** Reads a JSON task or mission file; every problem is a DreamError naming the field. */
export function loadTaskFile(file: string): AgentTaskSpec[] {
  const document = readJson(file);
  return parseTaskDocument(isObject(document) && 'tasks' in document ? { ...without(document, MISSION_ONLY), tasks: Array.isArray(document.tasks) ? document.tasks.map((t) => (isObject(t) ? without(t, TASK_ONLY) : t)) : document.tasks } : document, file);
}
