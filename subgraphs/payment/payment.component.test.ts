// The payment subgraph alone: its internal approve/void endpoints and its federated parts, on real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import { parseEvent } from '../../platform/events';
import { baseUrlOf, describeRouterOnlyAccess, expectServesSchemaFile, getJson, postInternal } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import type { Actor } from '../../platform/auth';
import { as } from '../../test/support/auth';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { OrderCancelled } from '../ordering/contracts';
import type { EventData } from '../../platform/events';
import { publishEvent } from '../../test/support/component';
import { processedBy } from '../../test/support/saga';
import { PaymentApproved, PaymentCancelled, PaymentVoided } from './contracts';
import type { PaymentDb } from './db';

let stack: Stack;
let db: PaymentDb;
let base: string;
const url = () => stack.services.payment!.url;

beforeAll(async () => {
  stack = await startStack({ contexts: ['payment'], router: false });
  db = stack.services.payment!.db;
  base = baseUrlOf(url());
});
afterAll(() => stack?.close());

const newOrderId = () => `order-${randomUUID()}`;
const approve = (orderId: string, amount = 25000, customerId = 'c-1') => postInternal(base, '/internal/payments', { orderId, customerId, amount });
const voidOrder = (orderId: string) => postInternal(base, '/internal/payments/void', { orderId });
const outboxFor = (orderId: string) => db.outboxEvent.findMany({ where: { correlationId: orderId }, orderBy: { seq: 'asc' } });

describe('POST /internal/payments (approve)', () => {
  test('approves: one APPROVED payment and its PaymentApproved event in the outbox', async () => {
    const orderId = newOrderId();
    const r = await approve(orderId, 25000, 'c-approve');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ paymentId: expect.any(String), status: 'APPROVED' });
    const payment = await db.payment.findUniqueOrThrow({ where: { orderId } });
    expect(payment).toMatchObject({ id: r.body.paymentId, customerId: 'c-approve', amount: 25000, status: 'APPROVED' });

    const events = await outboxFor(orderId);
    expect(events.map((e) => e.subject)).toEqual([PaymentApproved.subject]);
    expect(events[0].stream).toBe('PAYMENT');
    const env = parseEvent(PaymentApproved, JSON.stringify(events[0].payload));
    expect(env).toMatchObject({ id: events[0].id, correlationId: orderId, causationId: null });
    expect(env.data).toEqual({ paymentId: payment.id, orderId, customerId: 'c-approve', amount: 25000 });
  });

  test('the relay publishes the PaymentApproved row (it gets sentAt and a stream sequence)', async () => {
    const orderId = newOrderId();
    expect((await approve(orderId)).status).toBe(200);
    const sent = await waitFor(async () => (await outboxFor(orderId)).find((e) => e.sentAt !== null), 'the outbox relay to publish PaymentApproved');
    expect(sent.streamSeq).not.toBeNull();
    expect(sent.attempts).toBe(0);
  });

  test('a second approve for the same order returns the same payment and charges nothing more', async () => {
    const orderId = newOrderId();
    const first = await approve(orderId);
    const second = await approve(orderId);
    // Even a different amount on a retry cannot change the charge: the first payment stands.
    const third = await approve(orderId, 99999);
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await db.payment.count({ where: { orderId } })).toBe(1);
    expect((await db.payment.findUniqueOrThrow({ where: { orderId } })).amount).toBe(25000);
    expect(await outboxFor(orderId)).toHaveLength(1);
  });

  test('10 concurrent identical approvals: all answer the same paymentId, one Payment row, one event', async () => {
    const orderId = newOrderId();
    const answers = await Promise.all(Array.from({ length: 10 }, () => approve(orderId, 4500)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const ids = new Set(answers.map((a) => a.body.paymentId));
    expect(ids.size).toBe(1);
    const rows = await db.payment.findMany({ where: { orderId } });
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe([...ids][0]);
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentApproved.subject]);
  });

  test('the payment and its event commit together: when the outbox insert fails, no payment is left', async () => {
    const orderId = newOrderId();
    // Make exactly this order's outbox insert fail inside the approve transaction.
    await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION og_test_refuse_outbox() RETURNS trigger AS $$
      BEGIN IF NEW."correlationId" = '${orderId}' THEN RAISE EXCEPTION 'outbox refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER og_test_refuse_outbox BEFORE INSERT ON "OutboxEvent" FOR EACH ROW EXECUTE FUNCTION og_test_refuse_outbox()`);
    try {
      const r = await approve(orderId);
      expect(r.status).toBe(500);
      expect(await db.payment.count({ where: { orderId } })).toBe(0);
      expect(await outboxFor(orderId)).toHaveLength(0);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS og_test_refuse_outbox ON "OutboxEvent"`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS og_test_refuse_outbox()`);
    }
    // With the fault gone, the same approval goes through.
    expect((await approve(orderId)).status).toBe(200);
    expect(await outboxFor(orderId)).toHaveLength(1);
  });

  test('without the internal token: 403 FORBIDDEN and nothing written', async () => {
    const orderId = newOrderId();
    for (const token of [null, 'not-the-internal-token-at-all']) {
      const r = await postInternal(base, '/internal/payments', { orderId, customerId: 'c-1', amount: 1 }, token);
      expect(r.status).toBe(403);
      expect(r.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    // The router's token is not the internal one.
    const routerToken = await postInternal(base, '/internal/payments', { orderId, customerId: 'c-1', amount: 1 }, 'dev-only-router-token-change-me');
    expect(routerToken.status).toBe(403);
    expect(await db.payment.count({ where: { orderId } })).toBe(0);
  });

  test.each([
    ['an empty body', {}],
    ['no orderId', { customerId: 'c-1', amount: 1 }],
    ['a negative amount', { orderId: 'o-bad', customerId: 'c-1', amount: -5 }],
    ['a fractional amount', { orderId: 'o-bad', customerId: 'c-1', amount: 1.5 }],
    ['an amount as a string', { orderId: 'o-bad', customerId: 'c-1', amount: '100' }],
    ['a too long orderId', { orderId: 'o'.repeat(65), customerId: 'c-1', amount: 1 }],
  ])('a bad body (%s) is 400 BAD_USER_INPUT and writes nothing', async (_name, body) => {
    const before = await db.payment.count();
    const r = await postInternal(base, '/internal/payments', body);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('BAD_USER_INPUT');
    expect(await db.payment.count()).toBe(before);
  });
});

describe('POST /internal/payments/void', () => {
  test('void, then approve: 422 PAYMENT_DECLINED, the order is never charged', async () => {
    const orderId = newOrderId();
    const voided = await voidOrder(orderId);
    expect(voided.status).toBe(200);
    const late = await approve(orderId);
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('PAYMENT_DECLINED');
    const rows = await db.payment.findMany({ where: { orderId } });
    expect(rows.map((p) => p.status)).toEqual(['VOIDED']);
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentVoided.subject]);
  });

  test('void of an unknown order leaves a VOIDED tombstone (amount 0) and says it was never charged', async () => {
    const orderId = newOrderId();
    const r = await voidOrder(orderId);
    expect(r.status).toBe(200);
    const tomb = await db.payment.findUniqueOrThrow({ where: { orderId } });
    expect(r.body).toEqual({ paymentId: tomb.id, status: 'VOIDED' });
    expect(tomb).toMatchObject({ status: 'VOIDED', amount: 0 });
    const [event] = await outboxFor(orderId);
    expect(parseEvent(PaymentVoided, JSON.stringify(event.payload)).data).toEqual({ paymentId: tomb.id, orderId, wasCharged: false });
  });

  test('void of an approved payment voids that payment (wasCharged), and voiding again changes nothing', async () => {
    const orderId = newOrderId();
    const approved = await approve(orderId);
    const first = await voidOrder(orderId);
    const again = await voidOrder(orderId);
    expect(first).toEqual({ status: 200, body: { paymentId: approved.body.paymentId, status: 'VOIDED' } });
    expect(again).toEqual(first);
    expect(await db.payment.count({ where: { orderId } })).toBe(1);
    const events = await outboxFor(orderId);
    expect(events.map((e) => e.subject)).toEqual([PaymentApproved.subject, PaymentVoided.subject]);
    expect(parseEvent(PaymentVoided, JSON.stringify(events[1].payload)).data).toEqual({ paymentId: approved.body.paymentId, orderId, wasCharged: true });
  });

  test('10 concurrent voids of an unknown order: all answer the same tombstone, one row, one event', async () => {
    const orderId = newOrderId();
    const answers = await Promise.all(Array.from({ length: 10 }, () => voidOrder(orderId)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => a.body.paymentId)).size).toBe(1);
    expect(await db.payment.count({ where: { orderId } })).toBe(1);
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentVoided.subject]);
  });

  test('10 concurrent voids of an approved payment: voided once, one PaymentVoided', async () => {
    const orderId = newOrderId();
    const { body } = await approve(orderId);
    const answers = await Promise.all(Array.from({ length: 10 }, () => voidOrder(orderId)));
    expect(answers).toEqual(Array(10).fill({ status: 200, body: { paymentId: body.paymentId, status: 'VOIDED' } }));
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentApproved.subject, PaymentVoided.subject]);
  });

  test('void racing approve for one order: the order ends VOIDED or charged-then-voided, never charged and left', async () => {
    const orderId = newOrderId();
    const [approved, voided] = await Promise.all([approve(orderId), voidOrder(orderId)]);
    expect(voided.status).toBe(200);
    // Either approve won (then void voided it) or void won (then approve was declined).
    expect([200, 422]).toContain(approved.status);
    const rows = await db.payment.findMany({ where: { orderId } });
    expect(rows.map((p) => p.status)).toEqual(['VOIDED']);
  });

  test('without the token is 403; without an orderId is 400', async () => {
    expect((await postInternal(base, '/internal/payments/void', { orderId: newOrderId() }, null)).status).toBe(403);
    const bad = await postInternal(base, '/internal/payments/void', { order: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('BAD_USER_INPUT');
  });
});

describe('GET /internal/payments/by-order/:orderId', () => {
  test('answers the payment of an order, 404 for an order without one, 403 without the token', async () => {
    const orderId = newOrderId();
    const { body } = await approve(orderId);
    const headers = { 'x-ordergraph-internal-token': 'dev-only-internal-token-change-me' };
    const found = await fetch(`${base}/internal/payments/by-order/${orderId}`, { headers });
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ paymentId: body.paymentId, status: 'APPROVED' });
    expect((await fetch(`${base}/internal/payments/by-order/${newOrderId()}`, { headers })).status).toBe(404);
    expect((await getJson(`${base}/internal/payments/by-order/${orderId}`)).status).toBe(403);
  });
});

describe('federation', () => {
  test('Order._entities adds the payment of each order (null when none), in the order asked', async () => {
    const paid = newOrderId();
    const voided = newOrderId();
    const none = newOrderId();
    const { body } = await approve(paid, 10000);
    await voidOrder(voided);
    const r = await subgraphGql(
      url(),
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id payment { id orderId status amount } } } }`,
      { r: [paid, none, voided].map((id) => ({ __typename: 'Order', id })) },
    );
    expect(r.errors).toBeUndefined();
    const tomb = await db.payment.findUniqueOrThrow({ where: { orderId: voided } });
    expect(r.data._entities).toEqual([
      { id: paid, payment: { id: body.paymentId, orderId: paid, status: 'APPROVED', amount: 10000 } },
      { id: none, payment: null },
      { id: voided, payment: { id: tomb.id, orderId: voided, status: 'VOIDED', amount: 0 } },
    ]);
  });

  test('Payment._entities resolves a payment by id; null when unknown', async () => {
    const orderId = newOrderId();
    const { body } = await approve(orderId, 2000);
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id orderId amount status createdAt } } }`, {
      r: [
        { __typename: 'Payment', id: body.paymentId },
        { __typename: 'Payment', id: 'no-such-payment' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([{ id: body.paymentId, orderId, amount: 2000, status: 'APPROVED', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }, null]);
    const q = await subgraphGql(url(), `query($id: ID!) { payment(id: $id) { orderId } }`, { id: body.paymentId });
    expect(q).toEqual({ data: { payment: { orderId } } });
  });

  test('_service { sdl } is subgraphs/payment/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'payment');
  });
});

describe('the cancellation saga at payment (OrderCancelled → PaymentCancelled)', () => {
  const cancelled = (orderId: string, customerId = 'c-1', amount = 25000): EventData<typeof OrderCancelled> => ({
    orderId,
    customerId,
    storeId: 'book-market',
    paymentId: null,
    amount,
    reason: 'changed my mind',
    previousStatus: 'PAID',
    version: 3,
    requestedAt: new Date().toISOString(),
  });
  const publishCancelled = (d: EventData<typeof OrderCancelled>) => publishEvent(stack.nats.url, OrderCancelled, d, { correlationId: d.orderId });

  test('an approved payment is refunded: CANCELLED with refundedAt, and PaymentCancelled caused by the order’s cancellation', async () => {
    const orderId = newOrderId();
    const { body } = await approve(orderId, 48000, 'c-33');
    const env = await publishCancelled(cancelled(orderId, 'c-33', 48000));
    await processedBy(db, 'payment--order-cancelled', env);

    const p = await db.payment.findUniqueOrThrow({ where: { orderId } });
    expect(p).toMatchObject({ id: body.paymentId, status: 'CANCELLED', amount: 48000, refundedAt: expect.any(Date) });
    const events = await outboxFor(orderId);
    expect(events.map((e) => e.subject)).toEqual([PaymentApproved.subject, PaymentCancelled.subject]);
    const written = parseEvent(PaymentCancelled, JSON.stringify(events[1].payload));
    expect(written).toMatchObject({ correlationId: orderId, causationId: env.id });
    expect(written.data).toEqual({ paymentId: p.id, orderId, customerId: 'c-33', refundedAmount: 48000, refundedAt: p.refundedAt!.toISOString() });

    // Visible on the order through federation.
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { payment { status method refundedAt } } } }`, {
      r: [{ __typename: 'Order', id: orderId }],
    });
    expect(r.data._entities).toEqual([{ payment: { status: 'CANCELLED', method: 'CREDIT_CARD', refundedAt: p.refundedAt!.toISOString() } }]);
    // A late retry of the approval cannot charge the cancelled order again.
    expect(await approve(orderId, 48000, 'c-33')).toMatchObject({ status: 422, body: { code: 'PAYMENT_DECLINED' } });
  });

  test('the same cancellation delivered again (a new envelope) refunds nothing more', async () => {
    const orderId = newOrderId();
    await approve(orderId);
    await processedBy(db, 'payment--order-cancelled', await publishCancelled(cancelled(orderId)));
    const first = await db.payment.findUniqueOrThrow({ where: { orderId } });
    await processedBy(db, 'payment--order-cancelled', await publishCancelled(cancelled(orderId)));
    expect(await db.payment.findUniqueOrThrow({ where: { orderId } })).toEqual(first);
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentApproved.subject, PaymentCancelled.subject]);
  });

  test('an order payment never charged (voided) stays VOIDED; the saga goes on with a refund of 0', async () => {
    const orderId = newOrderId();
    await voidOrder(orderId);
    await processedBy(db, 'payment--order-cancelled', await publishCancelled(cancelled(orderId)));
    expect((await db.payment.findUniqueOrThrow({ where: { orderId } })).status).toBe('VOIDED');
    const events = await outboxFor(orderId);
    expect(events.map((e) => e.subject)).toEqual([PaymentVoided.subject, PaymentCancelled.subject]);
    expect(parseEvent(PaymentCancelled, JSON.stringify(events[1].payload)).data).toMatchObject({ refundedAmount: 0, customerId: 'c-1' });
  });

  test('an order payment has no record of leaves a CANCELLED tombstone (refusing any late approval) and the saga goes on', async () => {
    const orderId = newOrderId();
    await processedBy(db, 'payment--order-cancelled', await publishCancelled(cancelled(orderId, 'c-none')));
    expect(await db.payment.findUniqueOrThrow({ where: { orderId } })).toMatchObject({ status: 'CANCELLED', amount: 0, customerId: 'c-none' });
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentCancelled.subject]);
    expect((await approve(orderId)).status).toBe(422);
  });

  test('a refund that keeps failing is retried, then dead-lettered; replayed once the fault is gone, it completes', async () => {
    const orderId = newOrderId();
    await approve(orderId);
    // Make exactly this payment's update fail inside the handler's transaction.
    await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION og_test_refuse_refund() RETURNS trigger AS $$
      BEGIN IF NEW."orderId" = '${orderId}' AND NEW."status" = 'CANCELLED' THEN RAISE EXCEPTION 'refund refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER og_test_refuse_refund BEFORE UPDATE ON "Payment" FOR EACH ROW EXECUTE FUNCTION og_test_refuse_refund()`);
    const consumer = stack.services.payment!.consumers.find((c) => c.durable === 'payment--order-cancelled')!;
    const outcomes: string[] = [];
    consumer.onOutcome = (o) => outcomes.push(o);
    let env: Awaited<ReturnType<typeof publishCancelled>>;
    try {
      env = await publishCancelled(cancelled(orderId));
      const dead = await waitFor(() => db.deadLetter.findFirst({ where: { eventId: env.id } }), 'the failing refund to be dead-lettered', 30_000);
      // CONSUMER_MAX_DELIVER is 3 in tests: two retries, then the dead letter.
      expect(outcomes).toEqual(['retry', 'retry', 'dead-lettered']);
      expect(dead).toMatchObject({ consumer: 'payment--order-cancelled', deliveries: 3, error: expect.stringContaining('refund refused by test') });
      expect((await db.payment.findUniqueOrThrow({ where: { orderId } })).status).toBe('APPROVED');
      expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentApproved.subject]);
    } finally {
      consumer.onOutcome = undefined;
      await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS og_test_refuse_refund ON "Payment"`);
      await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS og_test_refuse_refund()`);
    }
    const dead = await db.deadLetter.findFirstOrThrow({ where: { eventId: env!.id } });
    const replay = await postInternal(base, `/internal/dead-letters/${dead.id}/replay`, {});
    expect(replay).toMatchObject({ status: 200, body: { outcome: 'processed' } });
    expect((await db.payment.findUniqueOrThrow({ where: { orderId } })).status).toBe('CANCELLED');
    expect((await outboxFor(orderId)).map((e) => e.subject)).toEqual([PaymentApproved.subject, PaymentCancelled.subject]);
  });
});

describe('authorization of payment(id): an admin or the paying customer', () => {
  const PAYMENT = `query($id: ID!) { payment(id: $id) { id orderId amount status } }`;
  const read = (id: string, actor: Actor | null) => subgraphGql(url(), PAYMENT, { id }, { actor });
  let paid: { orderId: string; paymentId: string };
  beforeAll(async () => {
    const orderId = newOrderId();
    paid = { orderId, paymentId: (await approve(orderId, 9000, 'c-payer')).body.paymentId };
  });

  test.each([
    ['the paying customer', as.customer('c-payer')],
    ['an admin', as.admin()],
  ])('%s reads it', async (_name, actor) => {
    expect(await read(paid.paymentId, actor)).toEqual({ data: { payment: { id: paid.paymentId, orderId: paid.orderId, amount: 9000, status: 'APPROVED' } } });
  });

  test.each([
    ['another customer', as.customer('c-not-the-payer')],
    // Payment does not know the order's store: staff read a payment through order { payment }.
    ['store staff', as.staff('sunrise-bakery')],
    ['a courier', as.courier()],
    ['a stock manager', as.stockManager()],
  ])('%s is FORBIDDEN and gets nothing of it', async (_name, actor) => {
    const r = await read(paid.paymentId, actor);
    expect(r.data).toEqual({ payment: null });
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(r)).not.toContain(paid.orderId);
  });

  test('no actor: UNAUTHENTICATED, even for an unknown id', async () => {
    for (const id of [paid.paymentId, 'no-such-payment']) {
      const r = await read(id, null);
      expect(r.data).toEqual({ payment: null });
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  test('an unknown id is null for anyone signed in', async () => {
    expect(await read('no-such-payment', as.customer('c-payer'))).toEqual({ data: { payment: null } });
  });

  test('a tombstone whose customer payment never learnt is admin only (a customer named "unknown" cannot claim it)', async () => {
    const orderId = newOrderId();
    const { body } = await voidOrder(orderId);
    expect((await db.payment.findUniqueOrThrow({ where: { orderId } })).customerId).toBe('unknown');
    expect((await read(body.paymentId, as.customer('unknown'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await read(body.paymentId, as.admin())).data.payment).toMatchObject({ orderId, status: 'VOIDED' });
  });

  test('Order.payment (an entity field) checks nothing of its own: the router reaches it only under an authorized order', async () => {
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { payment { id } } } }`, {
      r: [{ __typename: 'Order', id: paid.orderId }],
    }, { actor: as.customer('c-not-the-payer') });
    expect(r).toEqual({ data: { _entities: [{ payment: { id: paid.paymentId } }] } });
  });
});

describeRouterOnlyAccess('payment', url);
