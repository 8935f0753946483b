// HandlerSlots (platform/consumer.ts): a context's event handlers share one budget, because each
// holds a database connection for its transaction.
import { HandlerSlots, KeyedBatches } from './consumer';

test('never more than `size` run at once, whatever the number waiting; all finish, first come first served', async () => {
  const slots = new HandlerSlots(3);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const job = (i: number) =>
    slots.run(async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      running--;
      return i;
    });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => job(i)));
  expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(peak).toBe(3);
  expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(slots.inUse).toBe(0);
});

test('a failing handler frees its slot', async () => {
  const slots = new HandlerSlots(1);
  await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(slots.run(async () => 'next')).resolves.toBe('next');
  expect(slots.inUse).toBe(0);
});

test('a size below 1 is refused', () => {
  expect(() => new HandlerSlots(0)).toThrow('positive integer');
});

describe('KeyedBatches (the consumer\'s workers)', () => {
  const tick = () => new Promise((r) => setTimeout(r, 1));

  test('a key\'s items are handled in arrival order, in batches of at most batchMax, never two batches of one key at once', async () => {
    const batches: string[][] = [];
    const busyKeys = new Set<string>();
    const q = new KeyedBatches<string>(3, 4, async (batch) => {
      const keys = new Set(batch.map((i) => i.split(':')[0]));
      for (const k of keys) {
        expect(busyKeys.has(k)).toBe(false);
        busyKeys.add(k);
      }
      batches.push(batch);
      await tick();
      for (const k of keys) busyKeys.delete(k);
    });
    for (let n = 0; n < 10; n++) for (const k of ['a', 'b', 'c', 'd', 'e']) q.push(k, `${k}:${n}`);
    await q.idle();
    expect(batches.every((b) => b.length >= 1 && b.length <= 4)).toBe(true);
    const handled = batches.flat();
    expect(handled).toHaveLength(50);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(handled.filter((i) => i.startsWith(`${k}:`))).toEqual(Array.from({ length: 10 }, (_, n) => `${k}:${n}`));
    // What queued up while a worker was busy went in one batch, not one by one.
    expect(batches.length).toBeLessThan(50 / 2);
  });

  test('below() waits until items are handled; a batch waits for a slot and holds one', async () => {
    const slots = new HandlerSlots(1);
    let peak = 0;
    const q = new KeyedBatches<number>(4, 2, async () => {
      peak = Math.max(peak, slots.inUse);
      await tick();
    }, slots);
    for (let i = 0; i < 8; i++) q.push(`k${i}`, i);
    let below = false;
    const waiting = q.below(3).then(() => (below = true));
    expect(below).toBe(false);
    await waiting;
    await q.idle();
    expect(peak).toBe(1);
    expect(slots.inUse).toBe(0);
  });
});
