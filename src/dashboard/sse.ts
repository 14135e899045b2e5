import type { ServerResponse } from 'node:http';

/** One open `GET /api/events` stream and the window it asked for. */
export interface StreamClient {
  response: ServerResponse;
  since: string | null;
}

/** Server-sent events: open streams, named events, and a comment now and then to keep proxies from closing them. */
export class EventStreams {
  private readonly clients = new Set<StreamClient>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(keepAliveMs = 15_000) {
    this.keepAlive = setInterval(() => this.each((c) => !c.response.destroyed && c.response.write(': keep-alive\n\n')), keepAliveMs);
    this.keepAlive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  open(response: ServerResponse, since: string | null, extraHeaders: Record<string, string>): StreamClient {
    response.writeHead(200, { ...extraHeaders, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    response.write('retry: 2000\n\n');
    const client = { response, since };
    this.clients.add(client);
    response.on('close', () => this.clients.delete(client));
    return client;
  }

  send(client: StreamClient, event: string, data: unknown): void {
    if (client.response.writableEnded || client.response.destroyed) return;
    client.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  each(action: (client: StreamClient) => void): void {
    for (const client of this.clients) action(client);
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.each((c) => c.response.end());
    this.clients.clear();
  }
}
