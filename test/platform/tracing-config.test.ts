// Tracing is off unless the conventional OTEL_* variables ask for it, and when they name an
// OTLP/HTTP endpoint, spans reach it (a real HTTP server standing in for the collector).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { initTracing, tracerFor, tracingEnabled, tracingModeOf } from '../../platform/tracing';

const run = promisify(execFile);

test.each([
  [{}, undefined],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'otlp'],
  [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, 'otlp'],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, undefined],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'zipkin' }, undefined],
  [{ OTEL_TRACES_EXPORTER: 'none' }, 'none'],
])('%p → %p', (env, mode) => {
  expect(tracingModeOf(env as NodeJS.ProcessEnv)).toBe(mode);
});

test('with no endpoint nothing is installed: the API stays a no-op', () => {
  expect(initTracing('ordering', {})).toBe(false);
  expect(tracingEnabled()).toBe(false);
  const span = tracerFor('ordering').startSpan('nothing');
  expect(span.isRecording()).toBe(false);
  span.end();
});

// In a real process: the OTLP exporter loads `http` with a dynamic import(), which Jest's
// CommonJS sandbox does not support (in Jest the export silently never happens).
describe('with OTEL_EXPORTER_OTLP_ENDPOINT, in a process of its own', () => {
  let collector: Server;
  const received: Array<{ url: string; body: string }> = [];
  beforeAll(async () => {
    collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => collector.close(r)));

  test('spans reach <endpoint>/v1/traces, from a service named after the context', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
    const script = `
      const t = require(${JSON.stringify(resolve(__dirname, '../../platform/tracing.ts'))});
      if (!t.initTracing('ordering')) process.exit(3);
      const span = t.tracerFor('ordering').startSpan('exported-span');
      span.end();
      t.shutdownTracing().then(() => process.exit(0));`;
    const env = { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
    await run(process.execPath, ['--import', 'tsx', '-e', script], { env, timeout: 30_000 });
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/v1/traces');
    // OTLP/HTTP with JSON: the names are in the body as text.
    expect(received[0].body).toContain('"exported-span"');
    expect(received[0].body).toContain('"ordergraph-ordering"');
  }, 60_000);
});
