import { createHash } from 'node:crypto';
import { ModelError } from './errors';
import { estimateTokens, ModelProvider, ModelRequest, ModelResponse, SimFaultRates, SimOptions, SimOutputFault, SimTransportFault } from './provider';
import { Rng, simAnswer, simHandoff, simSchemaViolation } from './sim-answers';
import { simAdvice, simAdviceViolation } from './sim-advice';

const OUTPUT_FAULTS: ReadonlyArray<[SimOutputFault, keyof SimFaultRates]> = [
  ['malformed-json', 'malformedJson'],
  ['schema-violation', 'schemaViolation'],
  ['empty-answer', 'emptyAnswer'],
];
const TRANSPORT_FAULTS: ReadonlyArray<[SimTransportFault, keyof SimFaultRates]> = [
  ['hang', 'hang'],
  ['rate-limit', 'rateLimit'],
  ['server-error', 'serverError'],
];

function isOutputFault(fault: string): fault is SimOutputFault {
  return OUTPUT_FAULTS.some(([name]) => name === fault);
}

/** mulberry32 seeded from the first 4 bytes of a digest. */
function rngFrom(digest: Buffer): Rng {
  let state = digest.readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function promptText(request: ModelRequest): string {
  return request.messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}

/** The task's topic as the sim sees it: the text after "Goal:" in the prompt. */
function topicOf(prompt: string): string {
  const match = /Goal:\s*(.+)/.exec(prompt);
  const goal = (match?.[1] ?? 'the task').trim().replace(/[."]+$/, '');
  return goal.length > 60 ? `${goal.slice(0, 57)}...` : goal;
}

function pickByRate<F>(u: number, faults: ReadonlyArray<[F, keyof SimFaultRates]>, rates: Partial<SimFaultRates>): F | undefined {
  let edge = 0;
  for (const [fault, key] of faults) {
    edge += rates[key] ?? 0;
    if (u < edge) return fault;
  }
  return undefined;
}

export interface SimDecision {
  outputFault?: SimOutputFault;
  transportFault?: SimTransportFault;
  text: string;
}

/**
 * The `sim` model. Its answer is a deterministic function of (prompt, model, temperature, seed):
 * an identical retry gets the identical answer, including the identical output fault; only a
 * changed prompt, temperature or model can change it. Transport faults are random per call.
 */
export class SimModel {
  constructor(private readonly defaults: SimOptions & { seed: number }, private readonly random: () => number = Math.random) {}

  options(request: ModelRequest): SimOptions & { seed: number } {
    const perTask = request.sim ?? {};
    return {
      seed: perTask.seed ?? this.defaults.seed,
      latencyMs: perTask.latencyMs ?? this.defaults.latencyMs ?? 0,
      faults: { ...this.defaults.faults, ...perTask.faults },
      rules: [...(this.defaults.rules ?? []), ...(perTask.rules ?? [])],
    };
  }

  decide(request: ModelRequest): SimDecision {
    const options = this.options(request);
    const prompt = promptText(request);
    const digest = createHash('sha256')
      .update(`${options.seed}\u0000${request.model ?? 'sim-1'}\u0000${request.temperature}\u0000${prompt}`)
      .digest();
    const rng = rngFrom(digest);
    const rule = options.rules?.find((r) => prompt.includes(r.whenPromptIncludes) && !(r.unlessPromptIncludes && prompt.includes(r.unlessPromptIncludes)));
    const transportFault = rule && !isOutputFault(rule.fault) ? rule.fault : pickByRate(this.random(), TRANSPORT_FAULTS, options.faults ?? {});
    const outputFault = rule && isOutputFault(rule.fault) ? rule.fault : pickByRate(rng(), OUTPUT_FAULTS, options.faults ?? {});
    const topic = topicOf(prompt);
    return { transportFault, outputFault, text: render(request.taskType, outputFault, rng, topic, prompt) };
  }
}

/** The task type of the mission supervisor's advice calls (workflows/mission/advice.ts). */
const SUPERVISOR = 'supervisor';

function render(taskType: string, fault: SimOutputFault | undefined, rng: Rng, topic: string, prompt: string): string {
  const answer = () => {
    if (taskType === SUPERVISOR) return simAdvice(prompt, rng);
    const value = simAnswer(taskType, rng, topic) as Record<string, unknown>;
    const handoff = simHandoff(prompt, topic);
    return handoff ? { ...value, handoff } : value;
  };
  switch (fault) {
    case 'empty-answer':
      return '';
    case 'schema-violation':
      return JSON.stringify(taskType === SUPERVISOR ? simAdviceViolation(rng) : simSchemaViolation(taskType, rng, topic));
    case 'malformed-json':
      return malformed(JSON.stringify(answer(), null, 2), rng);
    default:
      return JSON.stringify(answer());
  }
}

/**
 * The ways real models break JSON, equally likely: a markdown code fence, a trailing comma, prose
 * around the object, or an answer cut off mid-object. Only the last loses content.
 */
const MALFORMED_VARIANTS: ReadonlyArray<(json: string) => string> = [
  (json) => `\`\`\`json\n${json}\n\`\`\``,
  (json) => json.replace(/\n}$/, ',\n}'),
  (json) => `Sure! Here is the result:\n${json}\nLet me know if you need anything else.`,
  (json) => `Sure! Here is the result:\n${json.slice(0, Math.max(8, Math.floor(json.length * 0.6)))}`,
];

function malformed(json: string, rng: Rng): string {
  return MALFORMED_VARIANTS[Math.floor(rng() * MALFORMED_VARIANTS.length)](json);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs the sim model in-process, with the same timeout and error kinds as the HTTP provider. */
export class SimProvider implements ModelProvider {
  readonly name = 'sim';

  constructor(private readonly model: SimModel, private readonly timeoutMs: number) {}

  async complete(request: ModelRequest, signal?: AbortSignal): Promise<ModelResponse> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const decision = this.model.decide(request);
    const latency = this.model.options(request).latencyMs ?? 0;
    try {
      if (latency > 0) await sleep(latency, combined);
      if (decision.transportFault === 'hang') await sleep(this.timeoutMs * 10, combined);
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) {
        throw new ModelError('timeout', `sim model did not answer within ${this.timeoutMs} ms`, 'Retry; raise DREAMOS_MODEL_TIMEOUT_MS if it persists.');
      }
      throw err;
    }
    if (decision.transportFault === 'rate-limit') {
      throw new ModelError('rate-limit', 'sim model answered HTTP 429 Too Many Requests', 'Retried with backoff.', { status: 429, retryAfterMs: 1000 });
    }
    if (decision.transportFault === 'server-error') {
      throw new ModelError('server-error', 'sim model answered HTTP 500 Internal Server Error', 'Retried with backoff.', { status: 500 });
    }
    const prompt = promptText(request);
    return {
      text: decision.text,
      provider: this.name,
      model: request.model ?? 'sim-1',
      usage: { promptTokens: estimateTokens(prompt), completionTokens: estimateTokens(decision.text) },
    };
  }
}
