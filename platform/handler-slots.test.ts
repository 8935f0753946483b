// HandlerSlots (platform/consumer.ts): a context's event handlers share one budget, because each
// holds a database connection for its transaction.
import { HandlerSlots } from './consumer';

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
