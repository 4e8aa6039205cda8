import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** One request the stand-in received: a Web API method call or a `response_url` post. */
export interface SlackCall {
  /** The Web API method (`chat.postMessage`), or `response_url` for posts to {@link TestSlack.responseUrl}. */
  method: string;
  /** The body: form fields with JSON-valued ones (e.g. `blocks`) parsed, or the JSON body. */
  body: Record<string, unknown>;
  /** The `Authorization` header as sent. */
  authorization: string | undefined;
  contentType: string | undefined;
}

/**
 * A local HTTP server standing in for Slack's Web API (`<url>/api/<method>`) and for the
 * `response_url` of interactions: it records every call and answers `{ok: true, channel, ts}` the
 * way `chat.postMessage` does (a user id is answered with a DM channel id of its own).
 */
export interface TestSlack {
  /** The Web API base to give `WebClient` as `slackApiUrl`; ends with `/api/`. */
  apiUrl: string;
  /** A `response_url` that records what is posted to it. */
  responseUrl: string;
  calls: SlackCall[];
  /** Makes `method` answer `{ok: false, error}` until cleared with `undefined` (`ratelimited`: HTTP 429 with Retry-After). */
  failWith(method: string, error: string | undefined): void;
  /**
   * Socket Mode: `apps.connections.open` answers a WebSocket on this server; this sends an
   * interaction envelope to the connected client (after waiting for it to connect) and resolves
   * with the `envelope_id` once the client acknowledges it.
   */
  sendInteraction(payload: unknown, ms?: number): Promise<string>;
  /** Resolves with the first call of `method` after `from` (an index into `calls`), waiting up to `ms`. */
  waitFor(method: string, from?: number, ms?: number): Promise<SlackCall>;
  close(): Promise<void>;
}

export async function startSlackApi(): Promise<TestSlack> {
  const calls: SlackCall[] = [];
  const failures = new Map<string, string>();
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type'];
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = path === '/response' ? 'response_url' : path.replace(/^\/api\//, '');
    calls.push({ method, body: parseBody(text, contentType), authorization: req.headers.authorization, contentType });
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    if (method === 'response_url') {
      res.end('{"ok":true}');
      return;
    }
    if (method === 'apps.connections.open') {
      res.end(JSON.stringify({ ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket` }));
      return;
    }
    const error = failures.get(method);
    if (error) {
      // Slack answers a rate limit with HTTP 429 and Retry-After; every other error with 200 and ok: false.
      if (error === 'ratelimited') {
        res.statusCode = 429;
        res.setHeader('Retry-After', '30');
      }
      res.end(JSON.stringify({ ok: false, error }));
      return;
    }
    const body = calls.at(-1)!.body;
    const channel = typeof body.channel === 'string' && /^[UW]/.test(body.channel) ? `D${body.channel.slice(1)}` : body.channel;
    res.end(JSON.stringify({ ok: true, channel, ts: `1700000000.${String(++seq).padStart(6, '0')}`, message: { text: body.text } }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.statusCode = 500;
      res.end(err.message);
    });
  });
  // Socket Mode's WebSocket: a hello on connect, then envelopes the client must acknowledge.
  const sockets = new WebSocketServer({ server, path: '/socket' });
  const acks = new Map<string, () => void>();
  sockets.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { approximate_connection_time: 3600 } }));
    ws.on('message', (data: Buffer) => {
      const { envelope_id } = JSON.parse(data.toString('utf8')) as { envelope_id?: string };
      if (envelope_id) acks.get(envelope_id)?.();
    });
  });
  let envelopes = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${base}/api/`,
    responseUrl: `${base}/response`,
    calls,
    failWith(method, error) {
      if (error === undefined) failures.delete(method);
      else failures.set(method, error);
    },
    async sendInteraction(payload, ms = 5_000) {
      const giveUpAt = Date.now() + ms;
      while (sockets.clients.size === 0) {
        if (Date.now() > giveUpAt) throw new Error(`no Socket Mode client connected within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const envelopeId = `env-${++envelopes}`;
      const acked = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`envelope ${envelopeId} not acknowledged within ${ms} ms`)), ms);
        acks.set(envelopeId, () => {
          clearTimeout(timer);
          resolve(envelopeId);
        });
      });
      const envelope = { envelope_id: envelopeId, type: 'interactive', payload, accepts_response_payload: false };
      for (const ws of sockets.clients) ws.send(JSON.stringify(envelope));
      return acked;
    },
    async waitFor(method, from = 0, ms = 5_000) {
      const giveUpAt = Date.now() + ms;
      for (;;) {
        const call = calls.slice(from).find((c) => c.method === method);
        if (call) return call;
        if (Date.now() > giveUpAt) throw new Error(`no ${method} call within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets.clients) ws.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if (text === '') return {};
  if (contentType?.startsWith('application/json')) return JSON.parse(text) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    // The client sends objects and arrays (blocks, attachments) as JSON in a form field.
    body[key] = /^[[{]/.test(value) ? (JSON.parse(value) as unknown) : value;
  }
  return body;
}
