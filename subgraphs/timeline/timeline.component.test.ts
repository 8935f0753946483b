// timeline as a component: catalog, ordering, payment and timeline on a real nats-server and
// PostgreSQL behind the router. A paid order's events become its timeline once each; the
// subgraph itself refuses another customer; an event type timeline has no description for
// still gets an entry (the default), so a context's new events need no change here.
import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/nats-core';
import { as } from '../../test/support/auth';
import { openJetStream, type TestJetStream } from '../../test/support/jetstream';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';

let stack: Stack;
let js: TestJetStream;
beforeAll(async () => {
  // PAYMENT_TIMEOUT_MS: a busy test machine's first (cold) payment call may exceed 610 ms.
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'timeline'], env: { PAYMENT_TIMEOUT_MS: '5000' } });
  js = await openJetStream(stack.nats.url);
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count({ where: { id: 'donut' } })) === 1, 'ordering to learn the catalog', 30_000);
}, 120_000);
afterAll(async () => {
  await js?.close();
  await stack?.close();
});

const TIMELINE = `query($id: ID!) { order(id: $id) { id timeline { eventId kind context summary amount stream streamSequence occurredAt } } }`;
const ENTITIES = `query($id: ID!) { _entities(representations: [{ __typename: "Order", id: $id }]) { ... on Order { timeline { kind } } } }`;

async function placedOrder(customerId: string) {
  const placed = await stack.customer(customerId).gql('mutation { placeOrder(input: { productId: "donut", qty: 2 }) { id status amount } }');
  expect(placed.errors).toBeUndefined();
  const id: string = placed.data.placeOrder.id;
  const timeline = await waitFor(async () => {
    const t = (await stack.customer(customerId).gql(TIMELINE, { id })).data?.order?.timeline ?? [];
    return t.some((e: any) => e.kind === 'ORDER_PLACED') && t.some((e: any) => e.kind === 'PAYMENT_CHARGED') ? t : undefined;
  }, 'timeline to hear of the order', 30_000);
  return { id, timeline };
}

test('a paid order: placed and charged, each event once, with context, amount and stream position', async () => {
  const { id, timeline } = await placedOrder('c-tl-1');
  const ordering = await js.messages('ORDERING');
  const placed = ordering.find((m) => m.body?.type === 'OrderPlaced' && m.body.correlationId === id)!;
  expect(timeline).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ eventId: placed.body.id, kind: 'ORDER_PLACED', context: 'ordering', summary: 'Order placed: 2 × donut', amount: 4000, stream: 'ORDERING', streamSequence: placed.seq }),
      expect.objectContaining({ kind: 'PAYMENT_CHARGED', context: 'payment', amount: 4000, stream: 'PAYMENT' }),
    ]),
  );
  expect(new Set(timeline.map((e: any) => e.eventId)).size).toBe(timeline.length);
  // Replaying the same event (a redelivery) adds nothing.
  const consumer = stack.services.timeline!.consumers.find((c) => c.durable === 'timeline--ordering')!;
  expect(await consumer.replay(placed.raw)).toBe('duplicate');
  expect((await stack.customer('c-tl-1').gql(TIMELINE, { id })).data.order.timeline).toHaveLength(timeline.length);
});

test('readable by whoever may read the order: its customer, its store\'s staff, an admin; not another customer', async () => {
  const { id } = await placedOrder('c-tl-2');
  const url = stack.services.timeline!.url;
  const kindsAs = async (actor: ReturnType<typeof as.customer>) => subgraphGql(url, ENTITIES, { id }, { actor });
  expect((await kindsAs(as.customer('c-tl-2'))).data._entities[0].timeline).toEqual(expect.arrayContaining([{ kind: 'ORDER_PLACED' }]));
  expect((await kindsAs(as.staff('sunrise-bakery'))).data._entities[0].timeline.length).toBeGreaterThan(0);
  expect((await kindsAs(as.admin())).data._entities[0].timeline.length).toBeGreaterThan(0);
  const other = await kindsAs(as.customer('c-tl-other'));
  expect(other.data._entities[0].timeline).toBeNull();
  expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect((await kindsAs(as.staff('mario-pizzeria'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  // Through the router, ordering already refuses another customer the order itself.
  const viaRouter = await stack.customer('c-tl-other').gql(TIMELINE, { id });
  expect(viaRouter.data?.order ?? null).toBeNull();
  expect(viaRouter.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  // Only the router may call the subgraph.
  expect((await subgraphGql(url, ENTITIES, { id }, 'not-the-router-token')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
});

test('an event type timeline has no description for gets the default entry, in its place', async () => {
  const { id } = await placedOrder('c-tl-3');
  const eventId = randomUUID();
  const event = { id: eventId, type: 'OrderGiftWrapped', version: 1, occurredAt: new Date().toISOString(), correlationId: id, causationId: null, data: { orderId: id, amount: 500, channel: 'LOG' } };
  const h = headers();
  h.set('Nats-Msg-Id', eventId);
  await js.js.publish('ordering.order-gift-wrapped.v1', JSON.stringify(event), { headers: h });
  const entry = await waitFor(async () => {
    const t = (await stack.customer('c-tl-3').gql(TIMELINE, { id })).data?.order?.timeline ?? [];
    return t.find((e: any) => e.eventId === eventId);
  }, 'timeline to record the new event type', 30_000);
  expect(entry).toMatchObject({ kind: 'ORDERING_ORDER_GIFT_WRAPPED', context: 'ordering', summary: 'Ordering: order gift wrapped', amount: 500 });
  const t = (await stack.customer('c-tl-3').gql(TIMELINE, { id })).data.order.timeline;
  expect(t[t.length - 1].eventId).toBe(eventId);
});
