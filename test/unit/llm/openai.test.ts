import { ModelError } from '../../../src/llm/errors';
import { OpenAIProvider } from '../../../src/llm/openai';
import { ModelRequest } from '../../../src/llm/provider';
import { FakeReply, startFakeModelServer } from '../../helpers/fake-model-server';

const request: ModelRequest = { messages: [{ role: 'user', content: 'Goal: test' }], temperature: 0, taskType: 'answer' };

async function callWith(reply: FakeReply, timeoutMs = 2_000) {
  const server = await startFakeModelServer([reply]);
  try {
    const provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: 'sk-test', model: 'gpt-test', timeoutMs });
    return await provider.complete(request).then(
      (response) => ({ response, error: undefined }),
      (error: unknown) => ({ response: undefined, error: error as ModelError }),
    );
  } finally {
    await server.close();
  }
}

describe('OpenAI-compatible provider against a real HTTP endpoint', () => {
  test('a normal answer returns the text, model and reported token usage, and sends the key as a bearer token', async () => {
    const server = await startFakeModelServer();
    const provider = new OpenAIProvider({ baseUrl: server.baseUrl, apiKey: 'sk-test', model: 'gpt-test', timeoutMs: 2_000 });
    const response = await provider.complete(request);
    await server.close();
    expect(JSON.parse(response.text)).toHaveProperty('answer');
    expect(response).toMatchObject({ provider: 'openai', model: 'gpt-test', usage: { promptTokens: 42, completionTokens: 17 } });
    expect(server.requests[0].authorization).toBe('Bearer sk-test');
  });

  test.each([
    [{ kind: 'status', status: 429, headers: { 'retry-after': '3' } } as FakeReply, 'rate-limit', true],
    [{ kind: 'status', status: 500 } as FakeReply, 'server-error', true],
    [{ kind: 'status', status: 503 } as FakeReply, 'server-error', true],
    [{ kind: 'garbage' } as FakeReply, 'server-error', true],
    [{ kind: 'status', status: 400 } as FakeReply, 'bad-request', false],
    [{ kind: 'status', status: 401 } as FakeReply, 'auth', false],
    [{ kind: 'status', status: 403 } as FakeReply, 'auth', false],
    [{ kind: 'status', status: 404 } as FakeReply, 'not-found', false],
  ])('%o becomes a %s error (retryable: %s)', async (reply, kind, retryable) => {
    const { error } = await callWith(reply);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind, retryable });
    expect(error!.fix.length).toBeGreaterThan(10);
  });

  test('Retry-After of a 429 is carried so Temporal waits that long before the next attempt', async () => {
    const { error } = await callWith({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    expect(error!.details).toEqual({ status: 429, retryAfterMs: 3_000 });
  });

  test('an endpoint that hangs past the request timeout is a retryable timeout', async () => {
    const { error } = await callWith({ kind: 'hang' }, 300);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
  });

  test('an endpoint that is not listening is a retryable network error naming the URL', async () => {
    const provider = new OpenAIProvider({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', timeoutMs: 2_000 });
    const error = (await provider.complete(request).catch((e: unknown) => e)) as ModelError;
    expect(error).toMatchObject({ kind: 'network', retryable: true });
    expect(error.message).toContain('http://127.0.0.1:1/v1/chat/completions');
  });
});
