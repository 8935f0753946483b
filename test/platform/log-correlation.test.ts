// Every log line of a request or an event carries the ids to follow it across processes:
// requestId (router → subgraph → service), traceId/spanId (tracing on), and for an event
// consumer, eventId and correlationId/orderId. Real HTTP between two Express apps that use
// the platform's middleware and fetch; log lines read back as JSON.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { createLogger, runWithLogFields, type Logger } from '../../platform/logger';
import { waitFor } from '../support/ports';
import { detached, installTracing, requestTracing, shutdownTracing, tracedFetch, tracerFor, withConsumeSpan } from '../../platform/tracing';

type Line = Record<string, unknown> & { msg: string };
let raw: string[] = [];
const lines = (): Line[] => raw.map((l) => JSON.parse(l));
const log: Logger = createLogger('test', { LOG_LEVEL: 'info' }, { write: (s: string) => void raw.push(s) });
beforeEach(() => {
  raw = [];
});

/** Two services: `front` (as the router: its own trace) calls `back` (as a subgraph: continues the trace). */
let servers: Server[] = [];
let front = '';
let back = '';
async function listen(app: express.Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
beforeAll(async () => {
  const b = express();
  b.post('/work', express.json(), requestTracing('back', { trustTraceparent: true }), (_req, res) => {
    log.info('back works');
    res.json({ ok: true });
  });
  back = await listen(b);
  const f = express();
  f.post('/graphql', express.json(), requestTracing('front', { trustTraceparent: false }), async (_req, res) => {
    log.info('front starts');
    const answer = await tracedFetch(`${back}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, { service: 'front', peer: 'back' });
    // Background work woken by this request must not claim to be part of it.
    await detached(async () => log.info('background pass'));
    log.info('front done');
    res.status(answer.status).json(await answer.json());
  });
  front = await listen(f);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  servers = [];
});

const call = (headers: Record<string, string> = {}) => fetch(`${front}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
const byMsg = (msg: string) => lines().find((l) => l.msg === msg)!;

describe('tracing off (no OTEL_* endpoint)', () => {
  test('a request id on every line of the request, in both services; none on background work', async () => {
    const res = await call();
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    for (const msg of ['front starts', 'back works', 'front done']) expect(byMsg(msg)).toMatchObject({ requestId });
    expect(byMsg('background pass').requestId).toBeUndefined();
    expect(lines().every((l) => l.traceId === undefined)).toBe(true);
  });

  test("the caller's request id is kept when it is a plain token, replaced otherwise", async () => {
    expect((await call({ 'x-request-id': 'client-42' })).headers.get('x-request-id')).toBe('client-42');
    expect(byMsg('back works').requestId).toBe('client-42');
    const replaced = (await call({ 'x-request-id': 'bad id\twith "quotes"' })).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("an event's lines carry consumer, eventId, correlationId and orderId, each key once", async () => {
    const child = log.child({ consumer: 'delivery--order-placed', correlationId: 'o-1' });
    await withConsumeSpan(
      { service: 'delivery', consumer: 'delivery--order-placed', subject: 'ordering.order-placed.v1', eventId: 'e-1', correlationId: 'o-1', orderId: 'o-1', attempt: 1, carrier: {} },
      async () => {
        child.info('handled');
        log.info('from the context logger');
        return 'processed';
      },
    );
    log.info('after');
    expect(byMsg('handled')).toMatchObject({ consumer: 'delivery--order-placed', eventId: 'e-1', correlationId: 'o-1', orderId: 'o-1' });
    expect(byMsg('from the context logger')).toMatchObject({ consumer: 'delivery--order-placed', eventId: 'e-1', correlationId: 'o-1', orderId: 'o-1' });
    expect(raw.find((l) => l.includes('"handled"'))!.match(/"correlationId"/g)).toHaveLength(1);
    expect(byMsg('after').eventId).toBeUndefined();
  });

  test('fields given by the line itself win over the ambient ones', () => {
    runWithLogFields({ orderId: 'ambient' }, () => log.info({ orderId: 'explicit' }, 'own'));
    expect(raw[0].match(/"orderId"/g)).toHaveLength(1);
    expect(byMsg('own').orderId).toBe('explicit');
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => installTracing({ service: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  afterAll(() => shutdownTracing());

  test('one trace id on every line of the request in both services; the client-sent traceparent is only linked', async () => {
    const client = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await call({ traceparent: client });
    expect(res.status).toBe(200);
    const frontLine = byMsg('front starts');
    const traceId = frontLine.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(byMsg('front done').traceId).toBe(traceId);
    // The other service continued the trace from the traceparent tracedFetch sent.
    expect(byMsg('back works')).toMatchObject({ traceId, requestId: res.headers.get('x-request-id') });
    expect(byMsg('background pass').traceId).toBeUndefined();

    // The server spans end on 'finish', just after the client has the answer.
    const spans = await waitFor(() => {
      const mine = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return mine.filter((s) => s.kind === SpanKind.SERVER).length === 2 ? mine : null;
    }, 'both server spans to end');
    const server = spans.find((s) => s.instrumentationScope.name === 'ordergraph/back')!;
    expect(byMsg('back works').spanId).toBe(server.spanContext().spanId);
    const root = spans.find((s) => s.instrumentationScope.name === 'ordergraph/front' && s.parentSpanContext === undefined)!;
    expect(root.links.map((l) => l.context.traceId)).toEqual(['0af7651916cd43dd8448eb211c80319c']);
  });

  test('a consumer continues the trace of the message it handles', async () => {
    const parent = tracerFor('test').startSpan('publish');
    const { traceId, spanId } = parent.spanContext();
    parent.end();
    await withConsumeSpan(
      { service: 'mypage', consumer: 'mypage--order-placed', subject: 'ordering.order-placed.v1', eventId: 'e-2', correlationId: 'o-2', attempt: 1, carrier: { traceparent: `00-${traceId}-${spanId}-01` } },
      async () => {
        log.info('projected');
        return 'processed';
      },
    );
    expect(byMsg('projected')).toMatchObject({ traceId, correlationId: 'o-2' });
    const handled = exporter.getFinishedSpans().find((s) => s.name === 'process ordering.order-placed.v1' && s.spanContext().traceId === traceId)!;
    expect(handled.parentSpanContext?.spanId).toBe(spanId);
  });
});
