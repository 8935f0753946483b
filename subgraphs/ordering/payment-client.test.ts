// The payment client's guards, against a local HTTP stand-in for payment whose
// answers and delay each test controls (a client test: no broker or database involved).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../platform/logger';
import { freePort } from '../../test/support/ports';
import { bulkheadSize, PaymentClient } from './payment-client';

let server: Server;
let baseUrl: string;
let behaviour: { status: number; delayMs: number } = { status: 200, delayMs: 0 };
let calls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    calls++;
    req.resume();
    setTimeout(() => {
      res.writeHead(behaviour.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(behaviour.status === 200 ? { paymentId: `p-${calls}`, status: 'APPROVED' } : { code: 'ERROR' }));
    }, behaviour.delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
beforeEach(() => {
  behaviour = { status: 200, delayMs: 0 };
  calls = 0;
});

const client = (overrides: Partial<ConstructorParameters<typeof PaymentClient>[0]> = {}) =>
  new PaymentClient(
    { baseUrl, token: 't'.repeat(16), timeoutMs: 2000, resetMs: 60_000, errorThresholdPercentage: 50, volumeThreshold: 3, maxConcurrent: 2, ...overrides },
    createLogger('payment-client-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
  );
const req = (orderId: string) => ({ orderId, customerId: 'c-1', amount: 1000, method: 'CREDIT_CARD' as const });
const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'available';
  } catch (e) {
    return `${(e as { extensions: { code: string; reason: string } }).extensions.code}/${(e as { extensions: { reason: string } }).extensions.reason}`;
  }
};

test('bulkhead: with maxConcurrent calls pending, the next order is refused before anything is sent; free again afterwards', async () => {
  const c = client();
  behaviour = { status: 200, delayMs: 300 };
  const pending = [c.approve(req('o-1')), c.approve(req('o-2'))];
  expect(codeOf(() => c.assertAvailable())).toBe('PAYMENT_UNAVAILABLE/BUSY');
  await Promise.all(pending);
  expect(calls).toBe(2);
  expect(codeOf(() => c.assertAvailable())).toBe('available');
  c.shutdown();
});

test('breaker: after repeated failures it is open and orders are refused before anything is sent', async () => {
  const c = client();
  behaviour = { status: 500, delayMs: 0 };
  for (let i = 0; i < 3; i++) await expect(c.approve(req(`f-${i}`))).rejects.toMatchObject({ extensions: { code: 'PAYMENT_UNAVAILABLE' } });
  expect(c.breaker.opened).toBe(true);
  expect(codeOf(() => c.assertAvailable())).toBe('PAYMENT_UNAVAILABLE/CIRCUIT_OPEN');
  const before = calls;
  await expect(c.approve(req('while-open'))).rejects.toMatchObject({ message: expect.stringMatching(/circuit open/) });
  expect(calls).toBe(before);
  c.shutdown();
});

test('a timeout may have charged (the order is voided later); a refused connection cannot have', async () => {
  const slow = client({ timeoutMs: 100 });
  behaviour = { status: 200, delayMs: 400 };
  await expect(slow.approve(req('slow'))).rejects.toMatchObject({ failure: { code: 'PAYMENT_UNAVAILABLE', maybeCharged: true } });
  // Counted as a timeout and a failure by the breaker (metrics: ordergraph_breaker_calls_total{outcome="timeout"}).
  expect(slow.breaker.stats.timeouts).toBe(1);
  expect(slow.breaker.stats.failures).toBe(1);
  slow.shutdown();
  const nowhere = new PaymentClient(
    { baseUrl: `http://127.0.0.1:${await freePort()}`, token: 't'.repeat(16), timeoutMs: 1000, resetMs: 60_000, errorThresholdPercentage: 50, volumeThreshold: 3, maxConcurrent: 2 },
    createLogger('payment-client-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
  );
  await expect(nowhere.approve(req('refused'))).rejects.toMatchObject({ failure: { code: 'PAYMENT_UNAVAILABLE', maybeCharged: false } });
  nowhere.shutdown();
});

test('reserve() takes the bulkhead place at once: orders arriving together cannot all pass before any calls payment', () => {
  const c = client({ maxConcurrent: 2 });
  const a = c.reserve();
  c.reserve();
  expect(codeOf(() => c.reserve())).toBe('PAYMENT_UNAVAILABLE/BUSY');
  a.release();
  a.release(); // idempotent: gives back one place only
  c.reserve();
  expect(codeOf(() => c.reserve())).toBe('PAYMENT_UNAVAILABLE/BUSY');
  c.shutdown();
});

test('half-open: one order holds the trial call; the others are refused (CIRCUIT_OPEN) until it settles', async () => {
  const c = client({ resetMs: 200, maxConcurrent: 10 });
  behaviour = { status: 500, delayMs: 0 };
  for (let i = 0; i < 3; i++) await c.approve(req(`f-${i}`)).catch(() => undefined);
  expect(c.breaker.opened).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  expect(c.breaker.halfOpen).toBe(true);
  const trial = c.reserve();
  for (let i = 0; i < 5; i++) expect(codeOf(() => c.reserve())).toBe('PAYMENT_UNAVAILABLE/CIRCUIT_OPEN');
  // The trial's order was not written after all (e.g. its transaction failed): the trial is free again.
  trial.release();
  const second = c.reserve();
  behaviour = { status: 200, delayMs: 0 };
  await c.approve(req('trial'), second);
  expect(c.breaker.closed).toBe(true);
  c.reserve();
  c.reserve();
  c.shutdown();
});

test('payment not reached (refused, unknown host) is marked: nothing can exist there for the order', async () => {
  for (const baseUrl of [`http://127.0.0.1:${await freePort()}`, 'http://payment.invalid:4003']) {
    const c = client({ baseUrl });
    await expect(c.approve(req('nowhere'))).rejects.toMatchObject({ failure: { reached: false, reason: 'UNREACHABLE', maybeCharged: false }, extensions: { reason: 'UNREACHABLE' } });
    c.shutdown();
  }
});

test("bulkhead size from Little's law: target rate × median latency, rounded up, within [min, max]", () => {
  expect(bulkheadSize(200, 0.15, 1, 256)).toBe(30);
  expect(bulkheadSize(200, 0.151, 1, 256)).toBe(31);
  expect(bulkheadSize(200, 0.02, 32, 256)).toBe(32);
  expect(bulkheadSize(200, 10, 32, 256)).toBe(256);
  // A ceiling set below the floor wins: PAYMENT_MAX_CONCURRENT=10 still means at most 10.
  expect(bulkheadSize(200, 0.5, 32, 10)).toBe(10);
});

test('bulkhead sized from measured latency: starts from the timeout, then follows the median of real calls, and refuses beyond it', async () => {
  // 100 orders/s; payment takes ~100 ms: about 10–12 places (timer and loopback overhead round up).
  const c = client({ targetRate: 100, minConcurrent: 2, maxConcurrent: 64, timeoutMs: 500 });
  expect(c.concurrencyLimit).toBe(50); // 100/s × 0.5 s before anything is measured
  behaviour = { status: 200, delayMs: 100 };
  await Promise.all(Array.from({ length: 32 }, (_, i) => c.approve(req(`m-${i}`))));
  const measured = c.concurrencyLimit;
  expect(measured).toBeGreaterThanOrEqual(10);
  expect(measured).toBeLessThan(30);
  const permits = Array.from({ length: measured }, () => c.reserve());
  expect(codeOf(() => c.reserve())).toBe('PAYMENT_UNAVAILABLE/BUSY');
  permits[0].release();
  expect(codeOf(() => c.assertAvailable())).toBe('available');
  permits.forEach((p) => p.release());
  // Payment slows down to ~300 ms: the bulkhead grows with it (more calls must be in flight for the same rate).
  behaviour = { status: 200, delayMs: 300 };
  for (let round = 0; round < 8; round++) await Promise.all(Array.from({ length: 32 }, (_, i) => c.approve(req(`s-${round}-${i}`))));
  expect(c.concurrencyLimit).toBeGreaterThanOrEqual(30);
  expect(c.concurrencyLimit).toBeLessThanOrEqual(64);
  c.shutdown();
});

test('without a target rate the bulkhead stays fixed at maxConcurrent, whatever the latency', async () => {
  const c = client({ maxConcurrent: 3 });
  behaviour = { status: 200, delayMs: 50 };
  await Promise.all(Array.from({ length: 3 }, (_, i) => c.approve(req(`f-${i}`))));
  expect(c.concurrencyLimit).toBe(3);
  c.shutdown();
});

test('admission queue: a full bulkhead makes the next order wait for a place, not fail; the wait is not part of the call timeout', async () => {
  // Each call takes 150 ms of a 250 ms timeout; the third order waits ~150 ms for a place first (300 ms in all).
  const c = client({ maxConcurrent: 2, timeoutMs: 250, queueMax: 10, queueWaitMs: 5000 });
  behaviour = { status: 200, delayMs: 150 };
  const order = async (id: string) => c.approve(req(id), await c.admit());
  const results = await Promise.all([order('q-1'), order('q-2'), order('q-3'), order('q-4')]);
  expect(results.map((r) => typeof r.paymentId)).toEqual(['string', 'string', 'string', 'string']);
  expect(calls).toBe(4);
  expect(c.breaker.stats.timeouts).toBe(0);
  expect(c.breaker.stats.failures).toBe(0);
  expect(c.queued).toBe(0);
  c.shutdown();
});

test('admission queue is bounded: beyond queueMax, or after queueWaitMs, the order is refused BUSY before anything is sent', async () => {
  const c = client({ maxConcurrent: 1, queueMax: 1, queueWaitMs: 100 });
  const held = await c.admit();
  const waiting = c.admit();
  expect(c.queued).toBe(1);
  await expect(c.admit()).rejects.toMatchObject({ extensions: { code: 'PAYMENT_UNAVAILABLE', reason: 'BUSY' } });
  // Nobody releases: the waiting order gives up after queueWaitMs.
  await expect(waiting).rejects.toMatchObject({ extensions: { code: 'PAYMENT_UNAVAILABLE', reason: 'BUSY' } });
  expect(c.queued).toBe(0);
  held.release();
  // Free again: admitted at once.
  (await c.admit()).release();
  expect(calls).toBe(0);
  c.shutdown();
});

test('admission queue: orders waiting when the breaker opens are refused CIRCUIT_OPEN, not sent', async () => {
  const c = client({ maxConcurrent: 1, queueMax: 10, queueWaitMs: 5000 });
  behaviour = { status: 500, delayMs: 0 };
  for (let i = 0; i < 3; i++) await c.approve(req(`f-${i}`)).catch(() => undefined);
  expect(c.breaker.opened).toBe(true);
  await expect(c.admit()).rejects.toMatchObject({ extensions: { reason: 'CIRCUIT_OPEN' } });
  c.shutdown();

  const d = client({ maxConcurrent: 1, queueMax: 10, queueWaitMs: 5000, volumeThreshold: 1 });
  behaviour = { status: 500, delayMs: 50 };
  const first = await d.admit();
  const waiters = [d.admit(), d.admit()];
  await d.approve(req('fails'), first).catch(() => undefined);
  expect(d.breaker.opened).toBe(true);
  for (const w of waiters) await expect(w).rejects.toMatchObject({ extensions: { reason: 'CIRCUIT_OPEN' } });
  expect(calls).toBe(4);
  d.shutdown();
});
