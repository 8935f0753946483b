// The router's shared order reads for pushes (router/subscriptions.ts, SharedReads): one read
// per key however many subscribers ask, reads started ahead of their pushes, and the bound on
// those. Pure: no stack (the pushes that use it are in subscriptions.test.ts and
// subscriptions-sse.test.ts).
import { SharedReads } from '../../router/subscriptions';

const opts = { keptMs: 50, failedKeptMs: 10, maxKept: 100, maxAhead: 3 };
const settle = () => new Promise((r) => setImmediate(r));

test('fifty subscribers of one scope start one read per change; the first push to use it is "first"', async () => {
  const reads = new SharedReads<string>(opts);
  let started = 0;
  const read = () => (started++, Promise.resolve('order'));
  const uses = Array.from({ length: 50 }, () => reads.get('o1@2|0|store-staff:bakery|sel', read));
  expect(started).toBe(1);
  expect(uses.filter((u) => u.first)).toHaveLength(1);
  expect(await Promise.all(uses.map((u) => u.result))).toEqual(Array(50).fill('order'));
  // Another scope is another key: its own read, never the first scope's answer.
  const other = reads.get('o1@2|0|customer:c-1|sel', () => Promise.resolve('as c-1'));
  expect(other.first).toBe(true);
  expect(await other.result).toBe('as c-1');
});

test('reads started ahead: every subscriber calls it for each change, yet the bound stays free for the next changes', async () => {
  const reads = new SharedReads<number>(opts);
  let started = 0;
  // 10 changes, 50 subscribers each asking to read ahead: one read per change. Counting every
  // call (not only started reads) used the bound up after the first change and read nothing
  // ahead after that.
  for (let change = 0; change < 10; change++) {
    for (let sub = 0; sub < 50; sub++) reads.ahead(`o${change}@1|0|scope|sel`, () => (started++, Promise.resolve(change)));
    await settle();
    expect(reads.aheadRunning).toBe(0);
  }
  expect(started).toBe(10);
  // A push then finds its change's read kept: no second read, and it is the first to use it.
  const use = reads.get('o9@1|0|scope|sel', () => Promise.reject(new Error('read again')));
  expect(use.first).toBe(true);
  await expect(use.result).resolves.toBe(9);
});

test('at most maxAhead reads run ahead at once; a failed one frees its place and is forgotten soon', async () => {
  const reads = new SharedReads<number>(opts);
  const pending: Array<{ resolve: (v: number) => void; reject: (e: Error) => void }> = [];
  const slow = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  expect([1, 2, 3, 4].map((i) => reads.ahead(`k${i}`, slow))).toEqual([true, true, true, false]);
  expect(reads.aheadRunning).toBe(3);
  pending[0].reject(new Error('subgraph down'));
  await settle();
  expect(reads.aheadRunning).toBe(2);
  expect(reads.ahead('k4', slow)).toBe(true);
  await new Promise((r) => setTimeout(r, 30));
  // Forgotten after failedKeptMs: the next push reads again.
  let again = 0;
  await reads.get('k1', () => (again++, Promise.resolve(1))).result;
  expect(again).toBe(1);
  for (const p of pending.slice(1)) p.resolve(0);
});
