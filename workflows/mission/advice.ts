/**
 * The supervisor model's advice on an escalated task: the prompt built from the gathered context,
 * the schema its answer must pass, and the call through the model activity. The answer is only
 * advice: `decideWithAdvice` (policy.ts) follows it when the limits allow, and an answer that is
 * invalid or never comes is recorded and ignored.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import { z } from 'zod';
import type { PromptActivities } from '../../activities/prompt';
import type { ChatMessage } from '../../src/llm/provider';
import { adviceCallOptions } from '../../src/contracts/activity-options';
import type { AdviceRecord } from '../../src/contracts/mission';
import { ADVICE_KINDS, Advisor, Assignment, DecisionKind } from '../../src/contracts/mission-spec';
import { extractObject, removeTrailingCommas, stripCodeFence } from '../../src/healing/json-text';
import type { Advice } from './policy';

/** What the model is told: the escalated task, what went wrong, what is left. */
export interface AdviceRequest {
  missionId: string;
  taskId: string;
  role: string;
  goal: string;
  steps: number;
  /** The escalation reason or how the child ended. */
  cause: string;
  failureClasses: string[];
  /** The gathered context's paragraph and the mission's memories. */
  summary: string;
  missionMemory: string[];
  history: DecisionKind[];
  assignmentsLeft: Assignment[];
  splitDepth: number;
  maxSplitDepth: number;
  splitParts: number;
  tokensLeft: number;
  msLeft: number;
}

const adviceSchema = z.object({
  decision: z.enum(ADVICE_KINDS),
  reason: z.string().trim().min(3).max(500),
  role: z.string().min(1).max(40).optional(),
  model: z.string().min(1).max(100).optional(),
  parts: z.number().int().min(2).max(8).optional(),
});

const ANSWER_SHAPE =
  '{"decision": "reassign" | "split" | "retry-later" | "abandon", "reason": "<one sentence>", "role"?: "<for reassign: who takes it over>", "model"?: "<for reassign>", "parts"?: <for split: 2 to 8>}';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

/** The advice prompt. Marker lines ("Failure classes:", "Assignments left:", ...) are stable: the sim model reads them. */
export function adviceMessages(request: AdviceRequest): ChatMessage[] {
  const assignments = request.assignmentsLeft.map((a) => [a.role && `role ${a.role}`, a.model && `model ${a.model}`, a.promptTemplate && 'a rewritten prompt'].filter(Boolean).join(', '));
  const lines = [
    `Escalated task: ${request.taskId} (role ${request.role}, ${request.steps} step(s))`,
    `Task goal: ${clip(request.goal, 600)}`,
    `Cause: ${request.cause}`,
    `Failure classes: ${request.failureClasses.join(', ') || 'none recorded'}`,
    `Context:\n${clip(request.summary, 1_000)}`,
    request.missionMemory.length > 0 ? `Mission memory:\n${request.missionMemory.slice(0, 3).map((m) => `- ${clip(m, 200)}`).join('\n')}` : '',
    `Decisions so far: ${request.history.join(', ') || 'none'}`,
    `Assignments left: ${assignments.join('; ') || 'none'}`,
    `Split depth: ${request.splitDepth} of at most ${request.maxSplitDepth}; at most ${request.splitParts} parts`,
    `Budget left: ${request.tokensLeft} tokens, ${Math.max(0, Math.round(request.msLeft / 1000))} s`,
  ].filter(Boolean);
  return [
    {
      role: 'system',
      content: `You are the supervisor agent of mission ${request.missionId}. An agent task failed; advise what to do with it. Answer with one JSON object and nothing else: ${ANSWER_SHAPE}`,
    },
    { role: 'user', content: lines.join('\n') },
  ];
}

/** The model's answer as advice, or what is wrong with it. Wrapping (fences, prose, trailing commas) is tolerated, content is not invented. */
export function parseAdvice(text: string): { ok: true; advice: Advice } | { ok: false; error: string } {
  const unwrapped = stripCodeFence(text) ?? text;
  const object = extractObject(unwrapped)?.object;
  if (!object) return { ok: false, error: text.trim() === '' ? 'empty answer' : 'no JSON object in the answer' };
  let json: unknown;
  try {
    json = JSON.parse(removeTrailingCommas(object).text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = adviceSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`).join('; ') };
  const { decision, reason, role, model, parts } = parsed.data;
  return {
    ok: true,
    advice: { kind: decision, reason, ...(decision === 'reassign' && (role || model) ? { to: { ...(role ? { role } : {}), ...(model ? { model } : {}) } } : {}), ...(decision === 'split' && parts ? { parts } : {}) },
  };
}

function failureText(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'failure'}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Asks the supervisor model through the model activity (agents queue). Returns the validated advice,
 * if any, and the record of what happened; a failed call or an invalid answer yields no advice.
 * `attempt` (the decision's index) keeps the activity's log and summary apart per decision.
 */
export async function askAdvisor(
  advisor: Advisor,
  request: AdviceRequest,
  call: { workflowId: string; model?: string; attempt: number },
): Promise<{ advice?: Advice; record: AdviceRecord }> {
  const { promptModel } = proxyActivities<PromptActivities>(adviceCallOptions(advisor.timeoutMs));
  const model = advisor.model ?? call.model;
  try {
    const result = await promptModel.executeWithOptions({ summary: `supervisor advice on ${request.taskId} (decision ${call.attempt})` }, [
      {
        workflowId: call.workflowId,
        taskId: request.taskId,
        missionId: request.missionId,
        role: 'supervisor',
        step: 0,
        attempt: call.attempt,
        purpose: 'advice',
        messages: adviceMessages(request),
        taskType: 'supervisor',
        ...(model ? { model } : {}),
        temperature: advisor.temperature,
        ...(advisor.sim ? { sim: advisor.sim } : {}),
      },
    ]);
    const tokens = result.promptTokens + result.completionTokens;
    const parsed = parseAdvice(result.text);
    if (!parsed.ok) return { record: { verdict: 'invalid', note: clip(`${parsed.error}; answer: ${result.text || '(empty)'}`, 300), tokens } };
    return { advice: parsed.advice, record: { verdict: 'followed', kind: parsed.advice.kind, reason: clip(parsed.advice.reason, 300), tokens } };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { record: { verdict: 'failed', note: clip(failureText(err), 300), tokens: 0 } };
  }
}
