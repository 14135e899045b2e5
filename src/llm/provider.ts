/** One chat message, OpenAI style. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Fault rates of the `sim` provider, each a probability in [0, 1]. */
export interface SimFaultRates {
  /** Output fault: text that is not JSON. Tied to the prompt (same prompt, same fault). */
  malformedJson: number;
  /** Output fault: valid JSON that violates the task's output schema. Tied to the prompt. */
  schemaViolation: number;
  /** Output fault: an empty answer. Tied to the prompt. */
  emptyAnswer: number;
  /** Transport fault: the call hangs past the request timeout. Random per call. */
  hang: number;
  /** Transport fault: HTTP 429. Random per call. */
  rateLimit: number;
  /** Transport fault: HTTP 500. Random per call. */
  serverError: number;
}

export type SimOutputFault = 'malformed-json' | 'schema-violation' | 'empty-answer';
export type SimTransportFault = 'hang' | 'rate-limit' | 'server-error';

/** A scripted fault: applies whenever the prompt contains `whenPromptIncludes` (and not `unlessPromptIncludes`). */
export interface SimRule {
  whenPromptIncludes: string;
  unlessPromptIncludes?: string;
  fault: SimOutputFault | SimTransportFault;
}

/** Behaviour of the `sim` provider; merged from the worker's settings and the task's `model.sim`. */
export interface SimOptions {
  faults?: Partial<SimFaultRates>;
  rules?: SimRule[];
  /** Simulated latency of every call, ms. Default 0. */
  latencyMs?: number;
  /** Seed of the output function. Default from DREAMOS_SIM_SEED. */
  seed?: number;
}

export interface ModelRequest {
  messages: ChatMessage[];
  /** Model name; the provider's default when omitted. */
  model?: string;
  temperature: number;
  /** The output schema name: lets the `sim` provider answer in the task's shape. */
  taskType: string;
  maxTokens?: number;
  /** Only read by the `sim` provider. */
  sim?: SimOptions;
}

export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ModelResponse {
  text: string;
  provider: string;
  model: string;
  usage: ModelUsage;
}

/** Everything that answers prompts: an OpenAI-compatible endpoint or the deterministic `sim`. */
export interface ModelProvider {
  readonly name: string;
  /** Rejects with `ModelError` on transport failures; `signal` aborts the call. */
  complete(request: ModelRequest, signal?: AbortSignal): Promise<ModelResponse>;
}

/** Rough token count (4 characters a token), used where the endpoint reports none. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
