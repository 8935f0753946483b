// Health probes of real context processes (issues 11 and 12): a context started while NATS is
// unreachable is live but not ready, keeps trying, and becomes ready when NATS arrives; a
// process whose event loop stalls fails /health/live (a long block: 503; a hung loop: no
// answer within the probe's timeout); on SIGTERM it reports not ready at once, then stops.
import { type ChildProcess } from 'node:child_process';
import { built, spawnChild } from '../support/children';
import { resolve } from 'node:path';
import { freePort, waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const PRELOAD = resolve(__dirname, '../support/block-event-loop.cjs');
/** Starting a process on a busy 2-core machine takes a while. */
const START_MS = 90_000;

let stack: Stack;
const spawned: ChildProcess[] = [];
let port = 0;

/** delivery as a real process on a fresh port (stack.spawn waits for ready; these tests look before). */
async function startDelivery(env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  port = await freePort();
  const child = spawnChild(process.execPath, [built('subgraphs/delivery/main.ts')], {
    env: { ...stack.envFor('delivery'), ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  spawned.push(child);
  return child;
}

const exitOf = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));

async function untilReady(): Promise<void> {
  await waitFor(async () => (await probe('/health/ready')).status === 200, 'delivery to be ready', START_MS, 200);
}
beforeAll(async () => {
  // NATS and the databases only: each test runs the context it looks at as a process.
  stack = await startStack({ contexts: [], router: false });
}, 60_000);
afterAll(async () => {
  for (const c of spawned) {
    c.kill('SIGKILL');
    await exitOf(c);
  }
  await stack?.close();
});

interface Probe {
  status: number;
  body: any;
}
const probe = (path: string, timeoutMs = 2000): Promise<Probe> =>
  fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) }).then(async (r) => ({ status: r.status, body: await r.json() }));

test('started while NATS is unreachable: live, not ready, and ready once NATS arrives', async () => {
  await stack.nats.kill();
  const child = await startDelivery({ NATS_CONNECT_MAX_BACKOFF_MS: '500' });

  const waiting = await waitFor(async () => {
    const r = await probe('/health/ready');
    return r.status === 503 && /waiting for NATS/.test(r.body.checks?.started?.detail) ? r : null;
  }, 'delivery to listen and report that it waits for NATS', START_MS, 200);
  expect(waiting.body).toMatchObject({ status: 'not ready', phase: 'starting' });
  expect(waiting.body.checks.started.detail).toContain(stack.nats.url);
  expect((await probe('/health/live')).status).toBe(200);
  // Several attempts later it is still there, still waiting (it did not exit).
  await waitFor(async () => /attempt [3-9]/.test((await probe('/health/ready')).body.checks?.started?.detail), 'a third attempt', 15_000, 200);
  expect(child.exitCode).toBeNull();

  await stack.nats.restart();
  await untilReady();
  const r = await probe('/health/ready');
  expect(r.status).toBe(200);
  expect(r.body.checks).toMatchObject({ nats: { ok: true }, database: { ok: true }, streams: { ok: true }, consumers: { ok: true }, relay: { ok: true } });
  child.kill('SIGTERM');
  await exitOf(child);
}, 200_000);

test('SIGTERM: not ready at once while still serving, then the process stops', async () => {
  const child = await startDelivery({ SHUTDOWN_DELAY_MS: '3000' });
  await untilReady();
  child.kill('SIGTERM');
  const draining = await waitFor(async () => {
    const r = await probe('/health/ready');
    return r.status === 503 ? r : null;
  }, 'delivery to report not ready after SIGTERM', 2_000, 50);
  expect(draining.body).toMatchObject({ phase: 'draining', checks: { draining: { ok: false } } });
  expect((await probe('/health/live')).status).toBe(200);
  await exitOf(child);
  expect(child.exitCode).toBe(0);
  await expect(probe('/health/live')).rejects.toThrow();
}, 200_000);

test('a stalled event loop fails /health/live: 503 after a long block, no answer when hung', async () => {
  const child = await startDelivery({ NODE_OPTIONS: `--require ${PRELOAD}`, HEALTH_CHECK_INTERVAL_MS: '1000', LIVENESS_MAX_EVENT_LOOP_DELAY_MS: '1000', BLOCK_EVENT_LOOP_MS: '1500' });
  await untilReady();
  const live = await waitFor(async () => {
    const r = await probe('/health/live');
    return r.status === 200 ? r : null;
  }, 'delivery to be live', 10_000, 200);
  expect(live.body).toMatchObject({ status: 'ok', thresholdMs: 1000 });

  // Blocked once for 1.5 s (> 1 s): the loop turns again, but liveness reports the stall.
  child.kill('SIGHUP');
  const stalled = await waitFor(async () => {
    const r = await probe('/health/live', 5000);
    return r.status === 503 ? r : null;
  }, 'liveness to report the long block', 5_000, 50);
  expect(stalled.body.status).toBe('stalled');
  expect(stalled.body.eventLoopDelayMaxMs).toBeGreaterThan(1000);
  // One pause is not a hang: two windows later it is live again.
  await waitFor(async () => (await probe('/health/live')).status === 200, 'liveness to recover after the pause', 10_000, 200);

  // Hung for good: the probe gets no answer within its timeout (a kubelet probe fails the same way).
  // (The signal is handled on the loop's next turn: a probe already in flight may still pass.)
  child.kill('SIGUSR2');
  const started = Date.now();
  await waitFor(() => probe('/health/live', 2000).then(() => false, () => true), 'a liveness probe to fail', 10_000, 100);
  expect(Date.now() - started).toBeLessThan(10_000);
  await expect(probe('/health/live', 2000)).rejects.toThrow();
}, 200_000);
