// The load generator of `npm run bench`: a fixed number of clients, each sending its next
// GraphQL request over HTTP as soon as the previous answer arrived (closed loop), on
// keep-alive connections (node:http, one socket per client). It runs in the benchmark's own
// process, on the same cores as the stack: its CPU is reported beside the stack's.
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { bump } from './stats';

/** A GraphQL answer as JSON. */
export interface GqlAnswer {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** One HTTP POST of JSON, on `agent`; the answer's status, parsed body and milliseconds. */
export function postJson(url: URL, body: string, headers: Record<string, string>, agent: Agent, timeoutMs = 30_000): Promise<{ status: number; body: GqlAnswer; ms: number }> {
  const t = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: GqlAnswer;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { errors: [{ message: `not JSON: ${text.slice(0, 80)}`, extensions: { code: `HTTP ${res.statusCode}` } }] };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - t });
        });
        res.on('error', (e) => resolve({ status: 0, body: { errors: [{ message: e.message, extensions: { code: 'NETWORK' } }] }, ms: performance.now() - t }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: { errors: [{ message: e.message, extensions: { code: e.message === 'timeout' ? 'TIMEOUT' : 'NETWORK' } }] }, ms: performance.now() - t }));
    req.end(body);
  });
}

/** The first error's `extensions.code` (else "HTTP <status>"), or undefined for an answer without errors. */
export function errorCodeOf(a: { status: number; body: GqlAnswer }): string | undefined {
  const e = a.body.errors?.[0];
  if (e) return e.extensions?.code ?? `HTTP ${a.status}`;
  if (a.status !== 200) return `HTTP ${a.status}`;
  return undefined;
}

export interface ClosedLoopOptions<T> {
  url: string;
  /** Clients sending at the same time. */
  concurrency: number;
  /** Stop starting requests after this long (ms); the ones in flight finish. */
  durationMs: number;
  /** The request client `worker` sends as its `n`-th (both from 0). */
  request: (worker: number, n: number) => { body: string; headers: Record<string, string> };
  /** What to keep of a successful answer (no GraphQL error, HTTP 200) of client `worker`; undefined: the answer was not the expected one (counted as "UNEXPECTED"). */
  onSuccess?: (body: GqlAnswer, at: number, ms: number, worker: number) => T | undefined;
}

export interface ClosedLoopResult<T> {
  /** Milliseconds from the first request to the last answer. */
  wallMs: number;
  /** Latency (ms) of each successful request. */
  latencies: number[];
  /** Failed requests by `extensions.code`. */
  errors: Map<string, number>;
  /** What onSuccess kept. */
  kept: T[];
  /** CPU seconds this process spent meanwhile (the load generator). */
  generatorCpuS: number;
}

/** Runs `concurrency` clients in a closed loop for `durationMs`. */
export async function closedLoop<T>(o: ClosedLoopOptions<T>): Promise<ClosedLoopResult<T>> {
  const url = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const kept: T[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stopAt = t0 + o.durationMs;
  const worker = async (w: number) => {
    for (let n = 0; performance.now() < stopAt; n++) {
      const { body, headers } = o.request(w, n);
      const a = await postJson(url, body, headers, agent);
      const code = errorCodeOf(a);
      if (code) {
        bump(errors, code);
        continue;
      }
      const k = o.onSuccess ? o.onSuccess(a.body, Date.now(), a.ms, w) : undefined;
      if (o.onSuccess && k === undefined) {
        bump(errors, 'UNEXPECTED');
        continue;
      }
      latencies.push(a.ms);
      if (k !== undefined) kept.push(k);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { wallMs, latencies, errors, kept, generatorCpuS: (cpu.user + cpu.system) / 1e6 };
}
