// Dead letters on a real nats-server and real PostgreSQL: a message that can never
// succeed, or keeps failing until the delivery limit, ends in the consumer context's
// DeadLetter table and stops being delivered; an operator replays it once the cause is fixed.
import { randomUUID } from 'node:crypto';
import { createEnvelope } from '../../platform/events';
import { OrderPlaced, OrderStatusChanged } from '../../subgraphs/ordering/contracts';
import { consumerSettled, openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';
import { sampleOrderPlaced } from '../support/fixtures';

const TOKEN = { 'x-ordergraph-internal-token': 'dev-only-internal-token-change-me' };
// Back-off between deliveries is ~0.5 s then ~1 s: the third delivery comes within a few seconds.
const DEAD_LETTER_WAIT_MS = 20_000;

let stack: Stack;
let nats: TestJetStream;
beforeAll(async () => {
  // The stack sets CONSUMER_MAX_DELIVER=3.
  stack = await startStack({ contexts: ['ordering', 'delivery', 'mypage'], router: false });
  nats = await openJetStream(stack.nats.url);
});
afterAll(async () => {
  await nats?.close();
  await stack?.close();
});

const delivery = () => stack.services.delivery!;
const mypage = () => stack.services.mypage!;

const orderPlacedData = (orderId: string) => sampleOrderPlaced({ orderId, customerId: 'dl-customer', paymentId: `pay-${orderId}`, version: 1 });

async function publish(subject: string, body: string, msgID: string = randomUUID()) {
  const ack = await nats.js.publish(subject, body, { msgID });
  expect(ack.duplicate).toBe(false);
  return ack.seq;
}

/** Waits until the durable consumer has acked or terminated everything up to `seq`: the server will not deliver it again. */
const waitSettled = (durable: string, seq: number) =>
  waitFor(async () => {
    const info = await nats.consumer(OrderPlaced.stream, durable);
    return consumerSettled(info) && info.ack_floor.stream_seq >= seq;
  }, `${durable} to settle up to ${seq}`, DEAD_LETTER_WAIT_MS);

const internal = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${stack.ports.mypage}/internal${path}`, init);

describe('a poison message is dead-lettered at once and never redelivered', () => {
  const badData = { ...orderPlacedData('poison-order'), qty: 0 };
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', 'this is not an event', /^invalid event: /],
    [
      'a contract violation',
      JSON.stringify({ id: randomUUID(), type: 'OrderPlaced', version: 1, occurredAt: new Date().toISOString(), correlationId: 'poison-order', causationId: null, data: badData }),
      /^invalid event: OrderPlaced v1 violates its contract: [\s\S]*qty/,
    ],
    [
      'the wrong version on the subject',
      JSON.stringify({ id: randomUUID(), type: 'OrderPlaced', version: 2, occurredAt: new Date().toISOString(), correlationId: 'poison-order', causationId: null, data: orderPlacedData('v2') }),
      /^invalid event: Expected OrderPlaced v1, got OrderPlaced v2/,
    ],
  ];

  test.each(cases)('%s', async (_name, raw, error) => {
    const seq = await publish(OrderPlaced.subject, raw);

    // Every consumer of the subject records it, with the reason and the one delivery it got.
    for (const [ctx, durable] of [
      [delivery, 'delivery--order-placed'],
      [mypage, 'mypage--order-placed'],
    ] as const) {
      const row = await waitFor(() => ctx().db.deadLetter.findFirst({ where: { consumer: durable, streamSeq: BigInt(seq) } }), `${durable} to dead-letter ${seq}`);
      expect(row).toMatchObject({ subject: OrderPlaced.subject, eventId: null, payload: raw, deliveries: 1, replayedAt: null });
      expect(row.error).toMatch(error);
      await waitSettled(durable, seq);
    }

    // A valid event behind it is processed: the consumer moved on.
    const orderId = `after-poison-${seq}`;
    const next = await publish(OrderPlaced.subject, JSON.stringify(createEnvelope(OrderPlaced, orderPlacedData(orderId), { correlationId: orderId })));
    await waitFor(async () => (await delivery().db.delivery.count({ where: { orderId } })) === 1, 'the next event to be processed');
    await waitSettled('delivery--order-placed', next);
    await waitSettled('mypage--order-placed', next);
    expect(await delivery().db.deadLetter.count({ where: { streamSeq: BigInt(seq) } })).toBe(1);
    expect(await mypage().db.deadLetter.count({ where: { streamSeq: BigInt(seq) } })).toBe(1);
    expect(await delivery().db.deadLetter.count({ where: { streamSeq: BigInt(next) } })).toBe(0);
  });

  test('replaying a poison message is refused and leaves it unreplayed', async () => {
    const raw = '{"not":"an envelope"}';
    const seq = await publish(OrderPlaced.subject, raw);
    const row = await waitFor(() => mypage().db.deadLetter.findFirst({ where: { consumer: 'mypage--order-placed', streamSeq: BigInt(seq) } }), 'the dead letter');
    const res = await internal(`/dead-letters/${row.id}/replay`, { method: 'POST', headers: TOKEN });
    expect(res.status).toBe(422);
    expect((await mypage().db.deadLetter.findUniqueOrThrow({ where: { id: row.id } })).replayedAt).toBeNull();
  });
});

describe('an event whose handler keeps failing', () => {
  const orderId = `ghost-${randomUUID()}`;
  const changed = createEnvelope(
    OrderStatusChanged,
    { orderId, customerId: 'dl-customer', status: 'CONFIRMED', previousStatus: 'PAID', version: 2, changedAt: new Date().toISOString() },
    { correlationId: orderId },
  );
  const durable = 'mypage--order-status-changed';
  let deadLetterId: string;

  test('is retried and dead-lettered after CONSUMER_MAX_DELIVER (3) deliveries', async () => {
    const seq = await publish(OrderStatusChanged.subject, JSON.stringify(changed), changed.id);

    const row = await waitFor(() => mypage().db.deadLetter.findFirst({ where: { eventId: changed.id } }), 'the dead letter', DEAD_LETTER_WAIT_MS);
    expect(row).toMatchObject({ consumer: durable, subject: OrderStatusChanged.subject, deliveries: 3, streamSeq: BigInt(seq), replayedAt: null });
    expect(row.error).toContain(`order ${orderId} not in the view yet`);
    expect(JSON.parse(row.payload)).toEqual(changed);
    deadLetterId = row.id;

    // Terminated: nothing is pending or awaiting a redelivery, and no failed attempt left a trace.
    await waitSettled(durable, seq);
    expect(await mypage().db.deadLetter.count({ where: { eventId: changed.id } })).toBe(1);
    expect(await mypage().db.processedEvent.count({ where: { consumer: durable, eventId: changed.id } })).toBe(0);
    expect(await mypage().db.orderView.count({ where: { orderId } })).toBe(0);
  });

  test('is listed on the internal endpoint, only with the internal token', async () => {
    expect(deadLetterId).toBeDefined();
    expect((await internal('/dead-letters')).status).toBe(403);
    expect((await internal('/dead-letters', { headers: { 'x-ordergraph-internal-token': 'wrong-token-of-some-length!' } })).status).toBe(403);

    const res = await internal('/dead-letters', { headers: TOKEN });
    expect(res.status).toBe(200);
    const list = (await res.json()) as Array<Record<string, unknown>>;
    expect(list.find((d) => d.id === deadLetterId)).toMatchObject({ consumer: durable, eventId: changed.id, deliveries: 3, replayedAt: null });
  });

  test('is replayed once its cause is fixed; a second replay changes nothing', async () => {
    expect(deadLetterId).toBeDefined();
    const replay = (headers: Record<string, string> = TOKEN) => internal(`/dead-letters/${deadLetterId}/replay`, { method: 'POST', headers });

    // Cause not fixed yet: the replay fails and changes nothing.
    const early = await replay();
    expect(early.status).toBe(422);
    expect(((await early.json()) as { error: string }).error).toContain('not in the view yet');
    expect((await mypage().db.deadLetter.findUniqueOrThrow({ where: { id: deadLetterId } })).replayedAt).toBeNull();

    // The fix: the missing OrderPlaced arrives and the view row exists.
    await publish(OrderPlaced.subject, JSON.stringify(createEnvelope(OrderPlaced, orderPlacedData(orderId), { correlationId: orderId })));
    await waitFor(() => mypage().db.orderView.findUnique({ where: { orderId } }), 'the view row');
    expect(await mypage().db.orderView.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: 'PAID', version: 1 });

    const forbidden = await replay({});
    expect(forbidden.status).toBe(403);
    expect(await mypage().db.orderView.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: 'PAID', version: 1 });

    const first = await replay();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ id: deadLetterId, outcome: 'processed' });
    expect(await mypage().db.orderView.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: 'CONFIRMED', version: 2 });
    expect((await mypage().db.deadLetter.findUniqueOrThrow({ where: { id: deadLetterId } })).replayedAt).not.toBeNull();
    expect(await mypage().db.processedEvent.count({ where: { consumer: durable, eventId: changed.id } })).toBe(1);

    const second = await replay();
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ id: deadLetterId, outcome: 'duplicate' });
    expect(await mypage().db.orderView.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: 'CONFIRMED', version: 2 });
    expect(await mypage().db.processedEvent.count({ where: { consumer: durable, eventId: changed.id } })).toBe(1);

    expect((await internal(`/dead-letters/${randomUUID()}/replay`, { method: 'POST', headers: TOKEN })).status).toBe(404);
  });
});
