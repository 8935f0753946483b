// OpenTelemetry across HTTP and NATS, in a stack on a real nats-server and real PostgreSQL,
// with an in-memory span exporter: one placeOrder is one trace from the router's operation
// through ordering and payment, the transaction, the outbox row and its NATS message, to the
// consumers in delivery, mypage and notification; and the trace survives the relay being
// down and ordering restarting between the write and the publish.
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installTracing, shutdownTracing } from '../../platform/tracing';
import { OrderPlaced } from '../../subgraphs/ordering/contracts';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { orderingKnows, SAGA_WAIT_MS } from '../support/saga';
import { startStack, type Stack } from '../support/stack';

const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const CONSUMERS = ['delivery--order-placed', 'mypage--order-placed', 'notification--order-placed'];

const exporter = new InMemorySpanExporter();
let stack: Stack;
let nats: TestJetStream;
beforeAll(async () => {
  // Before anything starts: the contexts' initTracing keeps the provider the test installed.
  installTracing({ service: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery', 'mypage', 'notification'] });
  nats = await openJetStream(stack.nats.url);
  await orderingKnows(stack, ['cake']);
});
afterAll(async () => {
  await nats?.close();
  await stack?.close();
  await shutdownTracing();
});

const scope = (s: ReadableSpan) => s.instrumentationScope.name;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan) => s.spanContext().spanId;

/** The trace of the request that placed `orderId` (its ordering server span names the order). */
function traceOfOrder(orderId: string): ReadableSpan[] {
  const spans = exporter.getFinishedSpans();
  const tagged = spans.find((s) => s.attributes['ordergraph.order_id'] === orderId && s.kind === SpanKind.SERVER);
  if (!tagged) return [];
  return spans.filter((s) => s.spanContext().traceId === tagged.spanContext().traceId);
}

/** Waits until the order's trace holds a finished handling span of every consumer. */
const convergedTrace = (orderId: string) =>
  waitFor(
    () => {
      const spans = traceOfOrder(orderId);
      const handled = CONSUMERS.every((c) => spans.some((s) => s.name === `process ${OrderPlaced.subject}` && s.attributes['messaging.consumer.group.name'] === c));
      return handled ? spans : null;
    },
    `the consumers of ${orderId}'s OrderPlaced to finish their spans`,
    SAGA_WAIT_MS,
  );

test('one placeOrder is one trace: router → ordering → payment → transaction → outbox → NATS → delivery, mypage, notification', async () => {
  const r = await stack.customer('trace-1').gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(r.errors).toBeUndefined();
  const orderId: string = r.data.placeOrder.id;
  const spans = await convergedTrace(orderId);
  const one = (pred: (s: ReadableSpan) => boolean, what: string) => {
    const found = spans.filter(pred);
    if (found.length !== 1) throw new Error(`expected one ${what} span, found ${found.length}: ${spans.map((s) => `${scope(s)} ${s.name}`).join(' | ')}`);
    return found[0];
  };

  // The router's operation is the root: named after the operation, a new trace.
  const root = one((s) => scope(s) === 'ordergraph/router' && s.kind === SpanKind.SERVER, 'router server');
  expect(root.name).toBe('mutation Place');
  expect(root.parentSpanContext).toBeUndefined();
  expect(root.attributes['graphql.operation.name']).toBe('Place');

  // Router → ordering over HTTP: a client span, and ordering's server span its child (traceparent in the headers).
  const toOrdering = one((s) => scope(s) === 'ordergraph/router' && s.kind === SpanKind.CLIENT && s.name === 'POST ordering', 'router → ordering client');
  const ordering = one((s) => scope(s) === 'ordergraph/ordering' && s.kind === SpanKind.SERVER, 'ordering server');
  expect(parentOf(ordering)).toBe(idOf(toOrdering));
  expect(ordering.attributes['ordergraph.order_id']).toBe(orderId);
  // @apollo/gateway's own spans sit between the operation and the fetch.
  expect(spans.some((s) => s.name === 'gateway.fetch' && parentOf(toOrdering) === idOf(s))).toBe(true);

  // Ordering → payment (the sync approve): client span in ordering, server span in payment.
  const toPayment = one((s) => scope(s) === 'ordergraph/ordering' && s.kind === SpanKind.CLIENT && s.name === 'POST payment', 'ordering → payment client');
  const payment = one((s) => scope(s) === 'ordergraph/payment' && s.kind === SpanKind.SERVER, 'payment server');
  expect(parentOf(payment)).toBe(idOf(toPayment));
  expect(spans.some((s) => scope(s) === 'ordergraph/payment' && s.name === 'db.transaction' && parentOf(s) === idOf(payment))).toBe(true);

  // The transaction that marks the order paid writes the event: create span inside the transaction span.
  const create = one((s) => s.name === `create ${OrderPlaced.subject}`, 'outbox create');
  const tx = spans.find((s) => idOf(s) === parentOf(create))!;
  expect(tx).toMatchObject({ name: 'db.transaction', kind: SpanKind.CLIENT });
  expect(scope(tx)).toBe('ordergraph/ordering');
  expect(create.kind).toBe(SpanKind.PRODUCER);

  // The relay's publish continues from the stored context; the message carries the publish span's context.
  const publish = one((s) => s.name === `publish ${OrderPlaced.subject}`, 'relay publish');
  expect(parentOf(publish)).toBe(idOf(create));
  expect(publish.kind).toBe(SpanKind.PRODUCER);
  const [message] = (await nats.messages(OrderPlaced.stream, OrderPlaced.subject)).filter((m) => m.body?.data?.orderId === orderId);
  expect(message.traceparent).toBe(`00-${root.spanContext().traceId}-${idOf(publish)}-01`);

  // Every consumer's handling is a child of the message's context, and its transaction a child of that.
  for (const [consumer, context] of CONSUMERS.map((c) => [c, c.split('--')[0]])) {
    const handled = one((s) => s.attributes['messaging.consumer.group.name'] === consumer, `${consumer} process`);
    expect(scope(handled)).toBe(`ordergraph/${context}`);
    expect(handled.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(handled)).toBe(idOf(publish));
    expect(handled.attributes).toMatchObject({ 'ordergraph.outcome': 'processed', 'messaging.message.conversation_id': orderId, 'ordergraph.order_id': orderId });
    expect(spans.some((s) => s.name === 'db.transaction' && parentOf(s) === idOf(handled))).toBe(true);
  }
});

test('the trace survives the relay being down and ordering restarting between the write and the publish', async () => {
  await stack.services.ordering!.relay.stop();
  const r = await stack.customer('trace-2').gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(r.errors).toBeUndefined();
  const orderId: string = r.data.placeOrder.id;
  const [row] = await stack.services.ordering!.db.outboxEvent.findMany({ where: { correlationId: orderId, subject: OrderPlaced.subject } });
  expect(row.sentAt).toBeNull();
  const traceId = traceOfOrder(orderId)[0].spanContext().traceId;
  // Stored with the event, in the row's envelope.
  expect((row.payload as { traceparent?: string }).traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  // A new ordering (new relay, nothing in memory) publishes the row it finds in its outbox.
  await stack.stop('ordering');
  await stack.start('ordering');

  const spans = await convergedTrace(orderId);
  const publish = spans.find((s) => s.name === `publish ${OrderPlaced.subject}`)!;
  expect(publish.spanContext().traceId).toBe(traceId);
  const [message] = (await nats.messages(OrderPlaced.stream, OrderPlaced.subject)).filter((m) => m.body?.data?.orderId === orderId);
  expect(message.traceparent).toBe(`00-${traceId}-${idOf(publish)}-01`);
});
