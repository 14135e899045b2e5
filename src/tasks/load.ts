import fs from 'node:fs';
import { z } from 'zod';
import { DreamError, errorMessage } from '../errors';
import { AgentTaskSpec, taskSchemas } from '../contracts/agent-task-spec';

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

/** Reads a JSON task or mission file; every problem is a DreamError naming the field. */
export function loadTaskFile(file: string): AgentTaskSpec[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DreamError('TASK_FILE_UNREADABLE', `Cannot read task file ${file}: ${errorMessage(err)}`, 'Check the path; examples/ has task files to start from.');
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `${file}: not valid JSON (${errorMessage(err)})`);
  }
  return parseTaskDocument(document, file);
}
