import { createLogger } from './logger';
import { WakeLoop } from './wake-loop';

const log = createLogger('wake-loop-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('wake-ups during a pass are coalesced into one more pass; passes never overlap', async () => {
  let passes = 0;
  let inPass = 0;
  let overlapped = false;
  const loop = new WakeLoop(
    async () => {
      inPass++;
      overlapped ||= inPass > 1;
      passes++;
      await tick(30);
      inPass--;
    },
    { pollMs: 60_000, log, failure: 'failed' },
  );
  loop.start(); // pass 1
  loop.notify();
  loop.notify();
  loop.notify(); // all three during pass 1 → one more pass
  await tick(120);
  expect(passes).toBe(2);
  expect(overlapped).toBe(false);
  await loop.stop();
});

test('without wake-ups it polls; a failing pass is logged and polling goes on', async () => {
  let passes = 0;
  const loop = new WakeLoop(
    async () => {
      passes++;
      throw new Error('transient');
    },
    { pollMs: 20, log, failure: 'failed' },
  );
  loop.start();
  await tick(150);
  await loop.stop();
  expect(passes).toBeGreaterThanOrEqual(3);
});

test('stop waits for the pass in hand and no pass starts after it', async () => {
  let finished = false;
  let passes = 0;
  const loop = new WakeLoop(
    async () => {
      passes++;
      await tick(50);
      finished = true;
    },
    { pollMs: 10, log, failure: 'failed' },
  );
  expect(loop.stopped).toBe(true);
  loop.start();
  await tick(5);
  await loop.stop();
  expect(finished).toBe(true);
  expect(loop.stopped).toBe(true);
  const after = passes;
  loop.notify();
  await tick(40);
  expect(passes).toBe(after);
});
