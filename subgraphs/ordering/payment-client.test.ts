// The payment client's guards, against a local HTTP stand-in for payment whose
// answers and delay each test controls (a client test: no broker or database involved).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../platform/logger';
import { freePort } from '../../test/support/ports';
import { PaymentClient } from './payment-client';

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
  slow.shutdown();
  const nowhere = new PaymentClient(
    { baseUrl: `http://127.0.0.1:${await freePort()}`, token: 't'.repeat(16), timeoutMs: 1000, resetMs: 60_000, errorThresholdPercentage: 50, volumeThreshold: 3, maxConcurrent: 2 },
    createLogger('payment-client-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
  );
  await expect(nowhere.approve(req('refused'))).rejects.toMatchObject({ failure: { code: 'PAYMENT_UNAVAILABLE', maybeCharged: false } });
  nowhere.shutdown();
});
