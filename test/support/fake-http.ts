// A local HTTP server that records what it receives and answers as told: a stand-in for
// a webhook receiver, the Telegram Bot API or a KakaoTalk endpoint in tests.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: any;
}

export interface FakeReply {
  status: number;
  body?: unknown;
}

export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: ReceivedRequest[];
  /** How to answer; replace it to change behaviour mid-test (e.g. fail, then recover). */
  reply: (req: ReceivedRequest) => FakeReply;
  close(): Promise<void>;
}

export async function startFakeHttpServer(reply: (req: ReceivedRequest) => FakeReply = () => ({ status: 200, body: { ok: true } })): Promise<FakeHttpServer> {
  const fake: FakeHttpServer = { url: '', requests: [], reply, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      fake.requests.push(received);
      const answer = fake.reply(received);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return fake;
}
