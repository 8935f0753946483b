// Helpers for the order-saga tests (pizza, book market, and the component tests of ordering,
// payment and delivery): waiting for a consumer to commit an event, reading a context's outbox.
import type { Envelope } from '../../platform/events';
import type { RawSql } from '../../platform/database';
import { waitFor } from './ports';
import type { Stack } from './stack';

/** How long the saga tests wait for eventual consistency (the machine is shared: be generous). */
export const SAGA_WAIT_MS = 30_000;

interface HasProcessedEvents {
  processedEvent: { findUnique(args: { where: { consumer_eventId: { consumer: string; eventId: string } } }): Promise<unknown> };
}

/** Waits until the durable consumer `<context>--<policy>` has committed the event (processed or skipped as a duplicate). */
export const processedBy = (db: HasProcessedEvents, consumer: string, env: Pick<Envelope, 'id'>) =>
  waitFor(() => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer, eventId: env.id } } }), `${consumer} to process ${env.id}`, SAGA_WAIT_MS);

export interface OutboxRow {
  subject: string;
  payload: string;
}

/** A context's outbox rows for one order (its correlation id), oldest first, payloads as JSON text for parseEvent. */
export async function outboxOf(db: RawSql, orderId: string): Promise<OutboxRow[]> {
  const rows = await db.$queryRaw<Array<{ subject: string; payload: unknown }>>`
    SELECT "subject", "payload" FROM "OutboxEvent" WHERE "correlationId" = ${orderId} ORDER BY "seq"`;
  return rows.map((r) => ({ subject: r.subject, payload: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload) }));
}

/** Waits until ordering's copy of the catalog has these products (it learns them from catalog events). */
export async function orderingKnows(stack: Stack, productIds: string[]): Promise<void> {
  const db = stack.services.ordering!.db;
  await waitFor(
    async () => (await db.catalogProduct.count({ where: { id: { in: productIds } } })) === productIds.length,
    `ordering to learn ${productIds.join(', ')}`,
    SAGA_WAIT_MS,
  );
}

const ORDER_STATUS = `query($id: ID!) { order(id: $id) { status } }`;
const MY_ORDERS = `{ myOrders { orderId status } }`;

/**
 * Waits until the order shows `status` through the router, as its customer sees it, both in
 * ordering (the order) and in mypage (the customer's read model, built from ordering's events).
 */
export async function followsEverywhere(stack: Stack, order: { id: string; customerId: string }, status: string): Promise<void> {
  const customer = stack.customer(order.customerId);
  await waitFor(async () => (await customer.gql(ORDER_STATUS, { id: order.id })).data?.order?.status === status, `ordering to show order ${order.id} ${status}`, SAGA_WAIT_MS);
  await waitFor(
    async () => ((await customer.gql(MY_ORDERS)).data?.myOrders ?? []).some((v: { orderId: string; status: string }) => v.orderId === order.id && v.status === status),
    `mypage to show order ${order.id} ${status}`,
    SAGA_WAIT_MS,
  );
}
