import { z } from 'zod';
import { errorMessage } from '../errors';
import { ModelError } from './errors';
import { estimateTokens, ModelProvider, ModelRequest, ModelResponse } from './provider';

export interface OpenAIProviderOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey?: string;
  /** Default model when the request names none. */
  model: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
}

const completionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).partial().optional(),
});

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}

function statusError(status: number, body: string, retryAfter: string | null): ModelError {
  const detail = body.slice(0, 300);
  if (status === 429) {
    return new ModelError('rate-limit', `model endpoint rate-limited the call (HTTP 429): ${detail}`, 'Retried with backoff; lower concurrency or raise your quota.', {
      status,
      retryAfterMs: retryAfterMs(retryAfter),
    });
  }
  if (status === 408 || status === 504) return new ModelError('timeout', `model endpoint timed out (HTTP ${status})`, 'Retried; raise DREAMOS_MODEL_TIMEOUT_MS if it persists.', { status });
  if (status >= 500) return new ModelError('server-error', `model endpoint failed (HTTP ${status}): ${detail}`, 'Retried with backoff; check the provider status page.', { status });
  if (status === 401 || status === 403) {
    return new ModelError('auth', `model endpoint refused the credentials (HTTP ${status}): ${detail}`, 'Set a valid DREAMOS_MODEL_API_KEY (or OPENAI_API_KEY) for DREAMOS_MODEL_BASE_URL.', { status });
  }
  if (status === 404) {
    return new ModelError('not-found', `model endpoint or model not found (HTTP 404): ${detail}`, 'Check DREAMOS_MODEL_BASE_URL (it should end in /v1) and DREAMOS_MODEL.', { status });
  }
  return new ModelError('bad-request', `model endpoint rejected the request (HTTP ${status}): ${detail}`, 'Check DREAMOS_MODEL and the request parameters named in the message.', { status });
}

/** Any OpenAI-compatible chat-completions endpoint. */
export class OpenAIProvider implements ModelProvider {
  readonly name = 'openai';

  constructor(private readonly options: OpenAIProviderOptions) {}

  async complete(request: ModelRequest, signal?: AbortSignal): Promise<ModelResponse> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const model = request.model ?? this.options.model;
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        signal: combined,
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model,
          messages: request.messages,
          temperature: request.temperature,
          ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
          response_format: { type: 'json_object' },
        }),
      });
      body = await response.text();
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) {
        throw new ModelError('timeout', `model endpoint did not answer within ${this.options.timeoutMs} ms`, 'Retried; raise DREAMOS_MODEL_TIMEOUT_MS if it persists.');
      }
      if (signal?.aborted) throw err;
      throw new ModelError('network', `cannot reach the model endpoint ${url}: ${errorMessage(err)}`, 'Check DREAMOS_MODEL_BASE_URL and the network.');
    }
    if (!response.ok) throw statusError(response.status, body, response.headers.get('retry-after'));
    let parsed: z.infer<typeof completionSchema>;
    try {
      parsed = completionSchema.parse(JSON.parse(body));
    } catch (err) {
      throw new ModelError('server-error', `model endpoint answered HTTP ${response.status} with an unreadable body: ${errorMessage(err).slice(0, 200)}`, 'Retried; check that DREAMOS_MODEL_BASE_URL is OpenAI-compatible.');
    }
    const text = parsed.choices[0].message.content ?? '';
    return {
      text,
      provider: this.name,
      model: parsed.model ?? model,
      usage: {
        promptTokens: parsed.usage?.prompt_tokens ?? estimateTokens(request.messages.map((m) => m.content).join('\n')),
        completionTokens: parsed.usage?.completion_tokens ?? estimateTokens(text),
      },
    };
  }
}
