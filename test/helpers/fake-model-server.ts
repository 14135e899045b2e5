import http from 'node:http';
import { AddressInfo } from 'node:net';
import { SimModel } from '../../src/llm/sim';
import type { ChatMessage } from '../../src/llm/provider';

/** What the fake endpoint does with one request. */
export type FakeReply =
  | { kind: 'answer' }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'garbage' };

/** One request the fake endpoint received, and when (ms since epoch). */
export interface FakeRequest {
  model: string;
  messages: ChatMessage[];
  authorization?: string;
  at: number;
}

/**
 * An OpenAI-compatible chat-completions endpoint on loopback. Model calls are a paid external
 * service, so tests use this stand-in; it fails the way real endpoints do (429 with Retry-After,
 * 500, 401, hangs, unreadable bodies), and answers like the `sim` model otherwise.
 */
export async function startFakeModelServer(script: FakeReply[] = []): Promise<{ baseUrl: string; requests: FakeRequest[]; close(): Promise<void> }> {
  const sim = new SimModel({ seed: 1 }, () => 1);
  const requests: FakeRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { model: string; messages: ChatMessage[]; temperature: number };
      requests.push({ model: parsed.model, messages: parsed.messages, authorization: req.headers.authorization, at: Date.now() });
      const reply = script.shift() ?? { kind: 'answer' };
      switch (reply.kind) {
        case 'hang':
          return; // never answers; the client's timeout must fire
        case 'garbage':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html><body>Bad gateway</body></html>');
        case 'status':
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          return res.end(reply.body ?? JSON.stringify({ error: { message: `status ${reply.status}` } }));
        default: {
          const system = parsed.messages[0]?.content ?? '';
          const taskType = /^You are the supervisor agent/.test(system) ? 'supervisor' : /"findings"/.test(system) ? 'research' : 'answer';
          const text = sim.decide({ messages: parsed.messages, temperature: parsed.temperature, taskType, model: parsed.model }).text;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ model: parsed.model, choices: [{ message: { role: 'assistant', content: text } }], usage: { prompt_tokens: 42, completion_tokens: 17 } }));
        }
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
