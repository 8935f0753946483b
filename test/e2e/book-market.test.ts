// Seed 004 (book market) end to end through the router, on a real nats-server and real
// PostgreSQL: a customer orders a book, pays, the bookstore hands it to the courier and it
// ships; another order is cancelled and the saga (choreography over events) refunds its
// payment, cancels its delivery and ends CANCELLED in ordering and mypage. Cancelling once
// the delivery started is ORDER_NOT_CANCELLABLE; when the courier left before delivery saw
// the cancellation, the saga ends in CANCELLATION_FAILED, visibly. Each step is taken by its
// actor: the customer orders, reads and cancels; the bookstore's staff accept; the courier ships.
import { parseEvent, type Envelope } from '../../platform/events';
import { DeliveryCancellationRefused, DeliveryCancelled } from '../../subgraphs/delivery/contracts';
import { OrderCancelled, OrderStatusChanged } from '../../subgraphs/ordering/contracts';
import { PaymentCancelled } from '../../subgraphs/payment/contracts';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { followsEverywhere, orderingKnows, SAGA_WAIT_MS } from '../support/saga';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let js: TestJetStream;
beforeAll(async () => {
  stack = await startStack();
  js = await openJetStream(stack.nats.url);
  await orderingKnows(stack, ['book-10', 'book-101']);
}, 120_000);
afterAll(async () => {
  await js?.close();
  await stack?.close();
});

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status customerId item qty amount storeId } }`;
const ORDER = `query($id: ID!) {
  order(id: $id) { id status cancellationReason cancellationFailure payment { id status amount refundedAt } delivery { id status cancelledAt } }
}`;
const CANCEL = `mutation($o: ID!, $reason: String) { cancelOrder(orderId: $o, reason: $reason) { id status cancellationReason } }`;
type PlacedOrder = { id: string; customerId: string; status: string; amount: number };
/** The bookstore's staff accept; the courier starts and completes the delivery. */
const step = (name: 'acceptOrder' | 'startDelivery' | 'completeDelivery', orderId: string) =>
  (name === 'acceptOrder' ? stack.staff('book-market') : stack.courier()).gql(`mutation($o: ID!) { ${name}(orderId: $o) { orderId status } }`, { o: orderId });
/** The order as its customer reads it. */
const readOrder = async (order: PlacedOrder) => (await stack.customer(order.customerId).gql(ORDER, { id: order.id })).data.order;
/** The order's customer cancels it. */
const cancel = (order: PlacedOrder, reason?: string) => stack.customer(order.customerId).gql(CANCEL, { o: order.id, reason });
const MESSAGES = `query($id: ID!) { order(id: $id) { messages { status deliveryStatus message } } }`;
/** The order's messages as its customer reads them through the router (Order.messages from notification), once one per given status is SENT. */
const sentMessages = (order: PlacedOrder, statuses: string[]) =>
  waitFor(
    async () => {
      const m = ((await stack.customer(order.customerId).gql(MESSAGES, { id: order.id })).data?.order?.messages ?? []) as Array<{ status: string; deliveryStatus: string; message: string }>;
      return statuses.every((s) => m.some((x) => x.status === s && x.deliveryStatus === 'SENT')) ? m : null;
    },
    `notification to send messages about ${order.id} for ${statuses.join(', ')}`,
    SAGA_WAIT_MS,
  );

/** The customer orders a book as the seed does (bookId, qty; the customer is the signed-in one) and waits until the bookstore has it. */
async function orderBook(customerId: string, productId = 'book-10', deliveryAddress = 'Seoul, Jongno-gu 1') {
  const r = await stack.customer(customerId).gql(PLACE, { input: { productId, qty: 1, deliveryAddress } });
  expect(r.errors).toBeUndefined();
  const order = r.data.placeOrder as PlacedOrder;
  expect(order).toMatchObject({ status: 'PAID', customerId });
  await waitFor(async () => (await readOrder(order))?.delivery, 'delivery to open', SAGA_WAIT_MS);
  return order;
}

/** The saga's events for one order on every stream, each with its causation. */
async function sagaEvents(orderId: string) {
  const pick = async <C extends typeof OrderCancelled | typeof PaymentCancelled | typeof DeliveryCancelled | typeof DeliveryCancellationRefused>(stream: string, contract: C) =>
    (await js.messages(stream, contract.subject)).map((m) => parseEvent(contract, m.raw) as Envelope<any>).filter((e) => e.correlationId === orderId);
  const changes = (await js.messages('ORDERING', OrderStatusChanged.subject))
    .map((m) => parseEvent(OrderStatusChanged, m.raw))
    .filter((e) => e.correlationId === orderId);
  return {
    orderCancelled: await pick('ORDERING', OrderCancelled),
    paymentCancelled: await pick('PAYMENT', PaymentCancelled),
    deliveryCancelled: await pick('DELIVERY', DeliveryCancelled),
    refused: await pick('DELIVERY', DeliveryCancellationRefused),
    changes,
  };
}

test('the bookstore sells books by id, priced by the catalog', async () => {
  const r = await stack.customer('33').gql(`{ stores(kind: BOOKSTORE) { id products { id name price } } }`);
  expect(r.errors).toBeUndefined();
  expect(r.data.stores).toContainEqual({ id: 'book-market', products: expect.arrayContaining([{ id: 'book-10', name: 'Domain-Driven Design', price: 48000 }]) });
});

test('order a book → paid → the courier starts the delivery → SHIPPED in ordering and mypage', async () => {
  const order = await orderBook('33');
  expect(order).toMatchObject({ customerId: '33', amount: 48000 });
  expect(await readOrder(order)).toMatchObject({ status: 'PAID', payment: { status: 'APPROVED', amount: 48000, refundedAt: null }, delivery: { status: 'WAITING' } });

  expect((await step('acceptOrder', order.id)).data.acceptOrder.status).toBe('ACCEPTED');
  await followsEverywhere(stack, order, 'CONFIRMED');
  const shipped = await step('startDelivery', order.id);
  expect(shipped.errors).toBeUndefined();
  expect(shipped.data.startDelivery).toEqual({ orderId: order.id, status: 'SHIPPED' });
  await followsEverywhere(stack, order, 'SHIPPED');

  // What the message service hears (seed: "1 33 Shipped..."): the order, its customer, the new status.
  const { changes } = await sagaEvents(order.id);
  expect(changes.at(-1)!.data).toMatchObject({ orderId: order.id, customerId: '33', status: 'SHIPPED', previousStatus: 'CONFIRMED' });

  // What it sends (seed 004 #9): exactly "<orderId> <customerId> Shipped...", once.
  const messages = await sentMessages(order, ['PAID', 'CONFIRMED', 'SHIPPED']);
  expect(messages.filter((m) => m.status === 'SHIPPED')).toEqual([{ status: 'SHIPPED', deliveryStatus: 'SENT', message: `${order.id} 33 Shipped...` }]);
  expect(messages.map((m) => m.status).sort()).toEqual(['CONFIRMED', 'PAID', 'SHIPPED']);
});

test('cancel → payment cancelled (refund recorded) → delivery cancelled → order CANCELLED in ordering and mypage', async () => {
  const order = await orderBook('34', 'book-101');
  await step('acceptOrder', order.id);
  await followsEverywhere(stack, order, 'CONFIRMED');

  const r = await cancel(order, 'ordered the wrong book');
  expect(r.errors).toBeUndefined();
  expect(r.data.cancelOrder).toEqual({ id: order.id, status: 'CANCELLING', cancellationReason: 'ordered the wrong book' });
  await followsEverywhere(stack, order, 'CANCELLED');

  const done = await readOrder(order);
  expect(done).toMatchObject({
    status: 'CANCELLED',
    payment: { status: 'CANCELLED', amount: 33000, refundedAt: expect.any(String) },
    delivery: { status: 'CANCELLED', cancelledAt: expect.any(String) },
  });

  // One chain of facts, each caused by the one before: the choreography, traceable by correlation id.
  const saga = await sagaEvents(order.id);
  expect(saga.orderCancelled).toHaveLength(1);
  expect(saga.paymentCancelled).toHaveLength(1);
  expect(saga.deliveryCancelled).toHaveLength(1);
  expect(saga.paymentCancelled[0]).toMatchObject({ causationId: saga.orderCancelled[0].id, data: { refundedAmount: 33000, paymentId: done.payment.id } });
  expect(saga.deliveryCancelled[0]).toMatchObject({ causationId: saga.paymentCancelled[0].id, data: { deliveryId: done.delivery.id, previousStatus: 'ACCEPTED' } });
  expect(saga.changes.map((e) => [e.data.status, e.data.version])).toEqual([
    ['CONFIRMED', 3],
    ['CANCELLING', 4],
    ['CANCELLED', 5],
  ]);
  expect(saga.changes[2].causationId).toBe(saga.deliveryCancelled[0].id);

  // The courier cannot take a cancelled order.
  expect((await step('startDelivery', order.id)).errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'CANCELLED' });

  // The customer is told of the cancellation and of its end, one message each; nothing ever said it shipped.
  const messages = await sentMessages(order, ['PAID', 'CONFIRMED', 'CANCELLING', 'CANCELLED']);
  expect(messages.filter((m) => m.status === 'CANCELLING' || m.status === 'CANCELLED').sort((a, b) => a.status.localeCompare(b.status))).toEqual([
    { status: 'CANCELLED', deliveryStatus: 'SENT', message: `${order.id} 34 Cancelled. Your payment was refunded.` },
    { status: 'CANCELLING', deliveryStatus: 'SENT', message: `${order.id} 34 Cancelling. We are cancelling your order and its payment.` },
  ]);
  expect(messages).toHaveLength(4);
});

test('cancelling twice is harmless: the same order comes back, one saga runs', async () => {
  const order = await orderBook('35');
  const [first, second] = await Promise.all([cancel(order), cancel(order)]);
  expect([first.data.cancelOrder.status, second.data.cancelOrder.status]).toEqual(['CANCELLING', 'CANCELLING']);
  await followsEverywhere(stack, order, 'CANCELLED');
  const third = await cancel(order);
  expect(third.errors).toBeUndefined();
  expect(third.data.cancelOrder).toEqual({ id: order.id, status: 'CANCELLED', cancellationReason: null });
  const saga = await sagaEvents(order.id);
  expect([saga.orderCancelled.length, saga.paymentCancelled.length, saga.deliveryCancelled.length]).toEqual([1, 1, 1]);
});

test('cancelling after the delivery started is ORDER_NOT_CANCELLABLE and changes nothing', async () => {
  const order = await orderBook('36');
  await step('acceptOrder', order.id);
  await step('startDelivery', order.id);
  await followsEverywhere(stack, order, 'SHIPPED');
  const before = await readOrder(order);

  const r = await cancel(order);
  expect(r.data).toBeNull();
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', orderId: order.id, status: 'SHIPPED' });
  expect(await readOrder(order)).toEqual(before);
  expect(before).toMatchObject({ payment: { status: 'APPROVED' }, delivery: { status: 'SHIPPED' } });
  expect((await sagaEvents(order.id)).orderCancelled).toHaveLength(0);
});

test('the courier left before delivery saw the cancellation: the saga ends CANCELLATION_FAILED, visibly', async () => {
  const order = await orderBook('37');
  await step('acceptOrder', order.id);
  await followsEverywhere(stack, order, 'CONFIRMED');

  // Ordering has not heard that the delivery started yet (its consumer lags), so it accepts the cancellation.
  const lagging = stack.services.ordering!.consumers.find((c) => c.durable === 'ordering--delivery-started')!;
  await lagging.stop();
  try {
    expect((await step('startDelivery', order.id)).data.startDelivery.status).toBe('SHIPPED');
    expect((await cancel(order)).data.cancelOrder.status).toBe('CANCELLING');
    await followsEverywhere(stack, order, 'CANCELLATION_FAILED');
  } finally {
    await lagging.start();
  }

  const failed = await readOrder(order);
  expect(failed).toMatchObject({
    status: 'CANCELLATION_FAILED',
    cancellationFailure: 'DELIVERY_ALREADY_STARTED',
    // The refund happened (the saga's order puts payment first); the book is on its way: a person settles it.
    payment: { status: 'CANCELLED' },
    delivery: { status: 'SHIPPED' },
  });
  const saga = await sagaEvents(order.id);
  expect(saga.refused).toHaveLength(1);
  expect(saga.refused[0]).toMatchObject({ causationId: saga.paymentCancelled[0].id, data: { status: 'SHIPPED', reason: 'DELIVERY_ALREADY_STARTED' } });
  expect(saga.deliveryCancelled).toHaveLength(0);

  // The late DeliveryStarted is consumed and changes nothing: the failure stays visible.
  await waitFor(async () => (await js.consumer('DELIVERY', 'ordering--delivery-started')).num_pending === 0, 'ordering to catch up', SAGA_WAIT_MS);
  await waitFor(async () => (await js.consumer('DELIVERY', 'ordering--delivery-started')).num_ack_pending === 0, 'ordering to ack', SAGA_WAIT_MS);
  expect((await readOrder(order)).status).toBe('CANCELLATION_FAILED');
  expect((await cancel(order)).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', status: 'CANCELLATION_FAILED' });
  // The customer hears that the cancellation failed, not silence.
  const messages = await sentMessages(order, ['CANCELLATION_FAILED']);
  expect(messages.filter((m) => m.status === 'CANCELLATION_FAILED').map((m) => m.message)).toEqual([
    `${order.id} 37 Cancellation failed. Your order goes on; please contact the store.`,
  ]);
});

test('cancelling an unknown order is ORDER_NOT_FOUND; a blank id is BAD_USER_INPUT', async () => {
  const customer = stack.customer('38');
  expect((await customer.gql(CANCEL, { o: 'no-such-order' })).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_FOUND' });
  expect((await customer.gql(CANCEL, { o: ' ' })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
});
