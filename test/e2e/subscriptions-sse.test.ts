// Live order status over Server-Sent Events (graphql-sse, distinct connections mode) on the
// router's /graphql: the same fields, authorization, guard rails and coded errors as graphql-ws;
// every change is an event whose id is its cursor, and a client that reconnects with
// Last-Event-ID gets exactly what it missed. Also: subscribers with the same access scope and
// selection share one gateway read per change, and never receive what is not theirs.
// Real nats-server, PostgreSQL, subgraphs and router.
import { createClient, type Client as SseClient } from 'graphql-sse';
import { accessScope } from '../../router/subscriptions';
import { spawnChild } from '../support/children';
import { as, createTestKeys } from '../support/auth';
import { scrape, valueOf } from '../support/metrics';
import { startRouter } from '../../router/gateway';
import { freePort, waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const BAKERY = 'sunrise-bakery';
const PIZZERIA = 'mario-pizzeria';
const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const ACCEPT = `mutation Accept($o: ID!) { acceptOrder(orderId: $o) { status } }`;
const START = `mutation Start($o: ID!) { startDelivery(orderId: $o) { status } }`;
const COMPLETE = `mutation Complete($o: ID!) { completeDelivery(orderId: $o) { status } }`;

const MINE = `subscription Mine($after: String) {
  myOrderStatusChanged(after: $after) {
    cursor orderId status previousStatus version occurredAt
    order { id status version amount payment { status amount } delivery { status } }
  }
}`;
const ONE = `subscription One($id: ID!, $after: String) {
  orderStatusChanged(orderId: $id, after: $after) { cursor orderId status order { status } }
}`;
const STORE = `subscription Store($s: ID!) { storeOrderStatusChanged(storeId: $s) { cursor orderId status version order { customerId storeId status payment { status } } } }`;
/** Only fields the event carries under `order`: pushed from the event, no read. */
const STORE_FROM_EVENT = `subscription Store($s: ID!) { storeOrderStatusChanged(storeId: $s) { orderId status version order { id status v: version customerId storeId } } }`;

/** One SSE subscription made with graphql-sse's client, as a test sees it. */
interface SseSubscription {
  received: any[];
  /** GraphQL errors of `next` events. */
  errors: any[];
  /** Set when the request itself failed (graphql-sse's NetworkError, with `response` for a non-200 answer). */
  failure?: any;
  /** Resolves once the response arrived: the server has subscribed (it answers after the subscribe resolver ran). */
  connected: Promise<void>;
  /** Resolves when the stream ended (complete or failure). */
  ended: Promise<void>;
  waitForCount(n: number, what?: string): Promise<any[]>;
  waitFor(pred: (v: any) => boolean, what: string): Promise<any>;
  close(): void;
}

let stack: Stack;
const open: SseSubscription[] = [];
const track = (s: SseSubscription) => (open.push(s), s);

/** Subscribes over SSE with graphql-sse's `createClient` (Node's fetch as fetchFn), no retries. */
function sseSubscribe(token: string | null, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, url = stack.router!.url): SseSubscription {
  const client: SseClient = createClient({
    url,
    fetchFn: fetch,
    retryAttempts: 0,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  let onConnected!: () => void;
  let onEnded!: () => void;
  const sub: SseSubscription = {
    received: [],
    errors: [],
    connected: new Promise<void>((r) => (onConnected = r)),
    ended: new Promise<void>((r) => (onEnded = r)),
    waitForCount: (n, what = `${n} pushes`) => waitFor(async () => (sub.received.length >= n ? sub.received : null), what, 20_000, 25),
    waitFor: (pred, what) => waitFor(async () => sub.received.find(pred) ?? null, what, 20_000, 25),
    close: () => client.dispose(),
  };
  client.subscribe(
    { query, variables },
    {
      next: (v) => {
        if (v.errors?.length) sub.errors.push(...v.errors);
        else sub.received.push(v.data);
      },
      error: (e) => {
        sub.failure = e;
        onEnded();
      },
      complete: () => onEnded(),
    },
    { connected: () => onConnected() },
  );
  return sub;
}

/** One event of a raw text/event-stream. */
interface RawEvent {
  id?: string;
  event?: string;
  data?: any;
}

/**
 * What `curl -N` or a browser's EventSource does: a GET with the operation in the URL and
 * `Accept: text/event-stream`; the events as the wire carries them (id, event, data).
 */
async function rawStream(token: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const url = `${stack.router!.url}?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`;
  const control = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, ...headers }, signal: control.signal });
  const events: RawEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let cut;
      while ((cut = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        const e: RawEvent = {};
        for (const line of block.split('\n')) {
          const m = /^([a-z]+): ?(.*)$/.exec(line);
          if (!m) continue; // a comment (":" keep-alive)
          if (m[1] === 'data') e.data = m[2] ? JSON.parse(m[2]) : null;
          else (e as Record<string, string>)[m[1]] = m[2];
        }
        if (e.event) events.push(e);
      }
    }
  })().catch(() => undefined);
  return {
    res,
    events,
    nexts: () => events.filter((e) => e.event === 'next'),
    waitForNexts: (n: number, what: string) => waitFor(() => (events.filter((e) => e.event === 'next').length >= n ? events.filter((e) => e.event === 'next') : null), what, 20_000, 25),
    close: () => control.abort(),
  };
}

beforeAll(async () => {
  // Payment's 610 ms timeout is the seeds' value; on a busy test machine it rejects orders this file needs PAID.
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery'], env: { PAYMENT_TIMEOUT_MS: '10000' } });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => stack?.close());

const tokenOf = (actor: Parameters<Stack['as']>[0]) => stack.as(actor).token() as Promise<string>;

async function place(customer: string, productId = 'cake'): Promise<string> {
  const r = await stack.customer(customer).gql(PLACE, { input: { productId, qty: 1 } });
  expect(r.errors).toBeUndefined();
  return r.data.placeOrder.id;
}

/** Delivery opens the order from the OrderPlaced event, concurrently with the push: accept once it knows it. */
async function accept(orderId: string): Promise<void> {
  await waitFor(async () => {
    const r = await stack.staff(BAKERY).gql(ACCEPT, { o: orderId });
    if (r.errors?.[0]?.extensions?.code === 'DELIVERY_NOT_FOUND') return null;
    expect(r.errors).toBeUndefined();
    return true;
  }, 'delivery to accept the order');
}

async function statusOf(customer: string, orderId: string): Promise<string | undefined> {
  return (await stack.customer(customer).gql(`query($id: ID!) { order(id: $id) { status } }`, { id: orderId })).data?.order?.status;
}

test('a customer follows their order live over SSE; each push carries ordering, payment and delivery fields as of that change', async () => {
  const sub = track(sseSubscribe(await tokenOf(as.customer('c-sse-live')), MINE));
  await sub.connected;
  const orderId = await place('c-sse-live');

  const paid = await sub.waitFor((v) => v.myOrderStatusChanged.status === 'PAID', 'the PAID push');
  expect(paid.myOrderStatusChanged).toMatchObject({ orderId, status: 'PAID', previousStatus: 'PENDING', version: 2, cursor: expect.stringMatching(/^\d+$/) });
  expect(paid.myOrderStatusChanged.order).toMatchObject({ id: orderId, status: 'PAID', version: 2, amount: 25000, payment: { status: 'APPROVED', amount: 25000 } });

  await accept(orderId);
  const confirmed = await sub.waitFor((v) => v.myOrderStatusChanged.status === 'CONFIRMED', 'the CONFIRMED push');
  expect(confirmed.myOrderStatusChanged.order).toMatchObject({ status: 'CONFIRMED', version: 3, payment: { status: 'APPROVED' }, delivery: { status: 'ACCEPTED' } });
  expect(Number(confirmed.myOrderStatusChanged.cursor)).toBeGreaterThan(Number(paid.myOrderStatusChanged.cursor));
  expect(sub.errors).toEqual([]);

  // Counted as SSE subscribers and pushes.
  const samples = await scrape(stack.router!.url);
  expect(valueOf(samples, 'ordergraph_subscriptions_active', { transport: 'sse' })).toBeGreaterThanOrEqual(1);
  expect(valueOf(samples, 'ordergraph_subscription_connections', { transport: 'sse' })).toBeGreaterThanOrEqual(1);
  expect(valueOf(samples, 'ordergraph_subscription_pushes_total', { transport: 'sse' })).toBeGreaterThanOrEqual(2);
});

test('on the wire (curl -N, EventSource): text/event-stream, each change an event whose id is its cursor; Last-Event-ID resumes after it', async () => {
  const token = await tokenOf(as.customer('c-sse-wire'));
  const first = await rawStream(token, MINE, {});
  expect(first.res.status).toBe(200);
  expect(first.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const orderId = await place('c-sse-wire');
  await accept(orderId);
  const [paid, confirmed] = await first.waitForNexts(2, 'PAID and CONFIRMED on the wire');
  first.close();
  for (const e of [paid, confirmed]) expect(e.id).toBe(e.data.data.myOrderStatusChanged.cursor);
  expect([paid, confirmed].map((e) => e.data.data.myOrderStatusChanged.status)).toEqual(['PAID', 'CONFIRMED']);

  // What EventSource does on its own after a drop: the same URL again, with Last-Event-ID.
  const again = await rawStream(token, MINE, {}, { 'Last-Event-ID': paid.id! });
  const [replayed] = await again.waitForNexts(1, 'the change after PAID');
  expect(replayed).toMatchObject({ id: confirmed.id, event: 'next' });
  expect(replayed.data.data.myOrderStatusChanged.status).toBe('CONFIRMED');
  again.close();
});

test("the README's curl -N command: an event per change with its cursor as id, and -H 'Last-Event-ID: …' resumes after it", async () => {
  const token = await tokenOf(as.customer('c-sse-curl'));
  const query = 'query=subscription { myOrderStatusChanged { cursor status order { status payment { status } } } }';
  /** `curl -N -G <url> -H … --data-urlencode 'query=…'` as the README shows it; resolves with its output once `until` matches it. */
  const curl = (extra: string[], until: RegExp) => {
    const child = spawnChild('curl', ['-N', '-sS', '--max-time', '30', '-G', stack.router!.url, '-H', `Authorization: Bearer ${token}`, '-H', 'Accept: text/event-stream', ...extra, '--data-urlencode', query]);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    return {
      /** The router answers once the subscription is live, starting with a keep-alive comment. */
      subscribed: () => waitFor(() => out.startsWith(':\n\n') || null, 'the stream to open', 20_000, 25),
      output: () => waitFor(() => (until.test(out) ? out : null), `curl's output to match ${until}`, 20_000, 25),
      stop: () => child.kill(),
    };
  };
  const live = curl([], /"status":"CONFIRMED"[^\n]*\n\n/);
  await live.subscribed();
  const orderId = await place('c-sse-curl');
  await accept(orderId);
  const text = await live.output();
  live.stop();
  const events = [...text.matchAll(/id: (\d+)\nevent: next\ndata: (.*)\n\n/g)].map((m) => ({ id: m[1], change: JSON.parse(m[2]).data.myOrderStatusChanged }));
  expect(events.map((e) => e.change.status)).toEqual(['PAID', 'CONFIRMED']);
  for (const e of events) expect(e.id).toBe(e.change.cursor);
  expect(events[1].change.order).toEqual({ status: 'CONFIRMED', payment: { status: 'APPROVED' } });

  const resumed = curl(['-H', `Last-Event-ID: ${events[0].id}`], /"status":"CONFIRMED"[^\n]*\n\n/);
  const again = await resumed.output();
  resumed.stop();
  expect([...again.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual([events[1].id]);
});

test('a client that reconnects with Last-Event-ID gets exactly the changes it missed, then live ones, each once', async () => {
  const token = await tokenOf(as.customer('c-sse-resume'));
  const mine = sseSubscribe(token, MINE);
  await mine.connected;
  const orderId = await place('c-sse-resume');
  const paid = await mine.waitFor((v) => v.myOrderStatusChanged.orderId === orderId, 'PAID');
  mine.close();

  // While disconnected: the store accepts and ships it.
  await accept(orderId);
  expect((await stack.staff(BAKERY).gql(START, { o: orderId })).errors).toBeUndefined();
  await waitFor(async () => (await statusOf('c-sse-resume', orderId)) === 'SHIPPED' || null, 'SHIPPED');

  // Resume from the last event id received; the operation's own `after` (older) is overridden by the header.
  const resumed = track(sseSubscribe(token, ONE, { id: orderId, after: '0' }, { 'Last-Event-ID': paid.myOrderStatusChanged.cursor }));
  const missed = await resumed.waitForCount(2, 'the two missed changes');
  expect(missed.map((v) => v.orderStatusChanged.status)).toEqual(['CONFIRMED', 'SHIPPED']);

  expect((await stack.courier().gql(COMPLETE, { o: orderId })).errors).toBeUndefined();
  const all = await resumed.waitForCount(3, 'the live DELIVERED push');
  expect(all.map((v) => v.orderStatusChanged.status)).toEqual(['CONFIRMED', 'SHIPPED', 'DELIVERED']);
  expect(new Set(all.map((v) => v.orderStatusChanged.cursor)).size).toBe(3);
  expect(Number(all[0].orderStatusChanged.cursor)).toBeGreaterThan(Number(paid.myOrderStatusChanged.cursor));
  // Nothing more arrives (no duplicate of a replayed change).
  await new Promise((r) => setTimeout(r, 300));
  expect(resumed.received).toHaveLength(3);
  expect(resumed.errors).toEqual([]);
});

test('a router that shuts down ends its open event streams (the client sees the end at once, no drain timeout)', async () => {
  const second = await startRouter(stack.routerEnv(await freePort()));
  const s = track(sseSubscribe(await tokenOf(as.customer('c-sse-stop')), MINE, {}, {}, second.url));
  await s.connected;
  const t0 = Date.now();
  await second.stop();
  await s.ended;
  // Apollo's drain would wait its 10 s grace for a connection the router did not end itself.
  expect(Date.now() - t0).toBeLessThan(5000);
});

describe('refusals: the same codes as graphql-ws', () => {
  test('no token, or a token signed by another key: HTTP 401 UNAUTHENTICATED, nothing streamed', async () => {
    const foreign = await (await createTestKeys()).token(as.customer('c-sse-1'));
    for (const token of [null, foreign]) {
      const s = track(sseSubscribe(token, MINE));
      await s.ended;
      expect(s.failure?.response?.status).toBe(401);
      const body = await s.failure.response.json();
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(s.received).toEqual([]);
    }
  });

  test("another customer's order, another store, the wrong role: FORBIDDEN", async () => {
    const orderId = await place('c-sse-owner');
    const cases: Array<[Parameters<Stack['as']>[0], string, Record<string, unknown>]> = [
      [as.customer('c-sse-other'), ONE, { id: orderId }],
      [as.staff(PIZZERIA), STORE, { s: BAKERY }],
      [as.customer('c-sse-other'), STORE, { s: BAKERY }],
      [as.staff(BAKERY), MINE, {}],
    ];
    for (const [who, query, variables] of cases) {
      const s = track(sseSubscribe(await tokenOf(who), query, variables));
      await s.ended;
      expect(s.failure).toBeUndefined();
      expect(s.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(s.received).toEqual([]);
    }
  });

  test('bad input: a malformed cursor in `after` or Last-Event-ID is BAD_USER_INPUT naming the field; guard rails and validation keep their codes', async () => {
    const token = await tokenOf(as.customer('c-sse-bad'));
    const badAfter = track(sseSubscribe(token, MINE, { after: 'yesterday' }));
    const badHeader = track(sseSubscribe(token, MINE, {}, { 'Last-Event-ID': 'yesterday' }));
    const deep = `subscription { myOrderStatusChanged { order { product { store { products { store { products { store { products { store { products { id } } } } } } } } } } } }`;
    const tooDeep = track(sseSubscribe(token, deep));
    const invalid = track(sseSubscribe(token, `subscription { myOrderStatusChanged { nope } }`));
    await Promise.all([badAfter.ended, badHeader.ended, tooDeep.ended, invalid.ended]);
    expect(badAfter.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(badHeader.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'Last-Event-ID' });
    expect(tooDeep.errors[0].extensions.code).toBe('QUERY_TOO_DEEP');
    expect(invalid.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    for (const s of [badAfter, badHeader, tooDeep, invalid]) {
      expect(s.received).toEqual([]);
      expect(JSON.stringify(s.errors)).not.toMatch(/stack|node_modules|\.ts:\d/);
    }
  });

  test('a token that expires while the stream is open ends it with UNAUTHENTICATED', async () => {
    const shortLived = await stack.keys.token(as.customer('c-sse-exp'), { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const s = track(sseSubscribe(shortLived, MINE));
    await s.connected;
    await s.ended;
    expect(s.failure).toBeUndefined();
    expect(s.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('shared re-reads', () => {
  test('the access scope is what the subgraphs decide by: role, a customer’s id, a store-staff’s store', () => {
    expect(accessScope(as.staff(BAKERY))).toBe(accessScope({ ...as.staff(BAKERY), sub: 'another-baker' }));
    expect(accessScope(as.staff(BAKERY))).not.toBe(accessScope(as.staff(PIZZERIA)));
    expect(accessScope(as.customer('c-1'))).not.toBe(accessScope(as.customer('c-2')));
    expect(accessScope(as.customer('c-1'))).not.toBe(accessScope(as.admin()));
    expect(accessScope({ sub: 'courier-1', role: 'courier' })).not.toBe(accessScope({ sub: 'courier-2', role: 'courier' }));
  });

  test('three staff of one store with the same selection: one gateway read per change, shared; staff of another store get nothing', async () => {
    // Different people (sub), same store: one access scope. Over both transports: the engine is one.
    const bakers = await Promise.all([1, 2, 3].map((i) => stack.keys.token({ sub: `baker-${i}`, role: 'store-staff', storeId: BAKERY })));
    const subs = bakers.map((t) => track(sseSubscribe(t, STORE, { s: BAKERY })));
    const pizzaiolo = track(sseSubscribe(await tokenOf(as.staff(PIZZERIA)), STORE, { s: PIZZERIA }));
    await Promise.all([...subs, pizzaiolo].map((s) => s.connected));
    const before = await scrape(stack.router!.url);

    const orderId = await place('c-sse-shared');
    await accept(orderId);
    const pushes = await Promise.all(subs.map((s) => s.waitFor((v) => v.storeOrderStatusChanged.orderId === orderId && v.storeOrderStatusChanged.status === 'CONFIRMED', 'CONFIRMED')));
    for (const p of pushes) expect(p.storeOrderStatusChanged.order).toEqual({ customerId: 'c-sse-shared', storeId: BAKERY, status: 'CONFIRMED', payment: { status: 'APPROVED' } });

    const after = await scrape(stack.router!.url);
    const delta = (source: string) => (valueOf(after, 'ordergraph_subscription_order_reads_total', { source }) ?? 0) - (valueOf(before, 'ordergraph_subscription_order_reads_total', { source }) ?? 0);
    // Every change the bakers received (this order's PAID and CONFIRMED, and any other of the store's in the meantime).
    const changes = new Set(subs.flatMap((s) => s.received.map((v) => `${v.storeOrderStatusChanged.orderId}@${v.storeOrderStatusChanged.version}`)));
    expect(changes.size).toBeGreaterThanOrEqual(2);
    for (const s of subs) expect(s.received).toHaveLength(changes.size);
    expect(delta('gateway')).toBe(changes.size);
    expect(delta('shared')).toBe(2 * changes.size);
    // Staff of another store: nothing of the bakery's order, shared or not.
    expect(pizzaiolo.received.filter((v) => v.storeOrderStatusChanged.orderId === orderId)).toEqual([]);
    expect(pizzaiolo.errors).toEqual([]);
  });

  test('a selection of only what the event carries is pushed from the event: no read, the order as of that change, still only to its store', async () => {
    const baker = track(sseSubscribe(await tokenOf(as.staff(BAKERY)), STORE_FROM_EVENT, { s: BAKERY }));
    const pizzaiolo = track(sseSubscribe(await tokenOf(as.staff(PIZZERIA)), STORE_FROM_EVENT, { s: PIZZERIA }));
    await Promise.all([baker.connected, pizzaiolo.connected]);
    const before = await scrape(stack.router!.url);
    const orderId = await place('c-sse-event');
    await accept(orderId);
    const pushes = await baker.waitForCount(2, 'PAID and CONFIRMED');
    expect(pushes.map((v) => v.storeOrderStatusChanged.order)).toEqual([
      { id: orderId, status: 'PAID', v: 2, customerId: 'c-sse-event', storeId: BAKERY },
      { id: orderId, status: 'CONFIRMED', v: 3, customerId: 'c-sse-event', storeId: BAKERY },
    ]);
    const after = await scrape(stack.router!.url);
    const delta = (source: string) => (valueOf(after, 'ordergraph_subscription_order_reads_total', { source }) ?? 0) - (valueOf(before, 'ordergraph_subscription_order_reads_total', { source }) ?? 0);
    expect(delta('event')).toBe(2);
    expect(delta('gateway')).toBe(0);
    expect(pizzaiolo.received).toEqual([]);
  });

  test('customers never share: each one only gets their own order, read as themselves', async () => {
    const [a, b] = [track(sseSubscribe(await tokenOf(as.customer('c-sse-a')), MINE)), track(sseSubscribe(await tokenOf(as.customer('c-sse-b')), MINE))];
    await Promise.all([a.connected, b.connected]);
    const before = await scrape(stack.router!.url);
    const orderA = await place('c-sse-a');
    const orderB = await place('c-sse-b');
    await a.waitFor((v) => v.myOrderStatusChanged.orderId === orderA, "a's push");
    await b.waitFor((v) => v.myOrderStatusChanged.orderId === orderB, "b's push");
    const after = await scrape(stack.router!.url);
    expect(a.received.map((v) => v.myOrderStatusChanged.orderId)).toEqual([orderA]);
    expect(b.received.map((v) => v.myOrderStatusChanged.orderId)).toEqual([orderB]);
    expect(a.received[0].myOrderStatusChanged.order.payment).toEqual({ status: 'APPROVED', amount: 25000 });
    // Same selection, two scopes: two reads, none shared.
    expect((valueOf(after, 'ordergraph_subscription_order_reads_total', { source: 'gateway' }) ?? 0) - (valueOf(before, 'ordergraph_subscription_order_reads_total', { source: 'gateway' }) ?? 0)).toBe(2);
    expect((valueOf(after, 'ordergraph_subscription_order_reads_total', { source: 'shared' }) ?? 0) - (valueOf(before, 'ordergraph_subscription_order_reads_total', { source: 'shared' }) ?? 0)).toBe(0);
  });
});
