import { newId } from '../../platform/ids';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { findKeyed, keyedCall, runOnce, type KeyedCall } from '../../platform/idempotency';
import { outboxRow, type OutboxRelay } from '../../platform/outbox';
import type { RawSql } from '../../platform/database';
import { tagCase, traceStatement } from '../../platform/tracing';
import { OrderPlaced, OrderStatusChanged } from './contracts';
import type { CatalogProduct, Order, OrderingDb, OrderingTx } from './db';
import type { ApproveFailure, PaymentClient, PaymentPermit } from './payment-client';
import { assertTransition, orderAmount, validatePlaceOrder, type OrderStatus, type PaymentMethod } from './rules';

export interface OrderingDeps {
  db: OrderingDb;
  payments: PaymentClient;
  relay: OutboxRelay;
  log: Logger;
  /** How long a retry with the key of an order whose payment is still in flight waits for its outcome (ms). */
  idempotencyWaitMs?: number;
}

/** Who places the order: the signed-in customer, and the Idempotency-Key of the request, if any. */
export interface PlaceOrderCaller {
  customerId: string;
  idempotencyKey?: string;
}

/**
 * placeOrder, as a story (for the signed-in customer): check the input; if the request
 * carries an Idempotency-Key this customer already used for this input, answer that order
 * as it is now (platform/idempotency.ts); price it from ordering's copy of the catalog;
 * take a place at payment, waiting in its bounded admission queue while the bulkhead is
 * full (refused before writing anything while the breaker is open or its one half-open
 * trial is taken, or the queue is full or the wait too long); record the order as PENDING
 * together with the key; charge it at payment (synchronously, behind the breaker); then,
 * in one transaction, mark it PAID and write OrderPlaced to the outbox.
 *
 * Failures: payment never reached (connection refused, unknown host, breaker opened
 * meanwhile) → the PENDING order and its key are removed and PAYMENT_UNAVAILABLE (with
 * `reason`) says nothing was written. Payment declined or too slow → the order is REJECTED
 * (no event; an uncertain charge is voided by recovery) and the error carries its orderId.
 * Any other failure once the order was written → an error that carries `orderId` (the
 * order's outcome is settled by recovery): a client always has a handle.
 */
export async function placeOrder(deps: OrderingDeps, caller: PlaceOrderCaller | string, input: unknown): Promise<Order> {
  const { db, payments } = deps;
  const { customerId, idempotencyKey } = typeof caller === 'string' ? { customerId: caller, idempotencyKey: undefined } : caller;
  // The customer is the signed-in one (the caller passes the token's subject), never a field of the input.
  const cmd = validatePlaceOrder({ ...(input && typeof input === 'object' ? input : {}), customerId });
  const call = keyedCall(idempotencyKey, { role: 'customer', sub: customerId }, 'placeOrder', cmd);

  return runOnce<Order, OrderingTx>(db, call, {
    replay: (orderId) => replayOrder(deps, orderId),
    perform: async (claim) => {
      const [product] = await db.$queryRaw<Array<Pick<CatalogProduct, 'id' | 'storeId' | 'name' | 'price'>>>`
        SELECT "id", "storeId", "name", "price" FROM "CatalogProduct" WHERE "id" = ${cmd.productId}`;
      if (!product) throw new DomainError(ErrorCode.PRODUCT_NOT_FOUND, `No product "${cmd.productId}" in the catalog.`, { productId: cmd.productId });
      // Wait for a place at payment (bounded admission queue); refused before writing anything when payment
      // cannot be called (breaker open or its trial taken) or the queue is full or waited too long.
      let permit: PaymentPermit;
      try {
        permit = await payments.admit();
      } catch (e) {
        // A concurrent call with this key may have taken the place (and the key) meanwhile: its result is the answer.
        const winner = call && (await findKeyed(db, call));
        if (winner) return replayOrder(deps, winner.resultId);
        throw e;
      }
      let order: Order;
      try {
        const pending: PendingOrder = {
          id: newId(),
          customerId: cmd.customerId,
          productId: product.id,
          productName: product.name,
          storeId: product.storeId,
          qty: cmd.qty,
          unitPrice: product.price,
          amount: orderAmount(product.price, cmd.qty),
          paymentMethod: cmd.paymentMethod,
          deliveryAddress: cmd.deliveryAddress ?? null,
        };
        // With an Idempotency-Key the key's claim and the order commit together; without one the insert alone is its own transaction.
        order = call
          ? await db.$transaction(async (tx) => {
              await claim(tx, pending.id);
              return insertPending(tx, pending);
            })
          : await insertPending(db, pending);
      } catch (e) {
        permit.release();
        throw e;
      }
      try {
        return await chargeAndSettle(deps, order, permit, call);
      } catch (e) {
        throw withOrderHandle(e, order.id, deps.log);
      }
    },
  });
}

/** Errors of orders taken back because payment was never reached. */
const withdrawn = new WeakSet<DomainError>();

/** The written PENDING order: charge it, then PAID + OrderPlaced, or REJECTED / removed. */
async function chargeAndSettle(deps: OrderingDeps, order: Order, permit: PaymentPermit, call: KeyedCall | undefined): Promise<Order> {
  const { db, payments } = deps;
  const log = deps.log.child({ orderId: order.id, customerId: order.customerId });
  // The rest of this request's log lines (here and in what it calls) and its span name the order.
  tagCase({ orderId: order.id });
  log.info({ productId: order.productId, qty: order.qty, amount: order.amount }, 'order recorded, charging payment');

  let paymentId: string;
  try {
    ({ paymentId } = await payments.approve({ orderId: order.id, customerId: order.customerId, amount: order.amount, method: order.paymentMethod as PaymentMethod }, permit));
  } catch (e) {
    const failure = (e as { failure?: ApproveFailure }).failure;
    if (failure && !failure.reached) {
      // Payment never saw this order, so nothing exists there: take the order (and its key) back,
      // so a wrong PAYMENT_URL or a stopped payment leaves nothing behind and the key may be retried.
      await db.$transaction(async (tx) => {
        if (call) await tx.idempotencyKey.deleteMany({ where: { scope: call.scope, key: call.key, resultId: order.id } });
        await tx.order.deleteMany({ where: { id: order.id, status: 'PENDING' } });
      });
      log.warn({ reason: failure.reason }, 'order withdrawn: payment was not reached');
      const refused = new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, failure.message, { reason: failure.reason });
      withdrawn.add(refused);
      throw refused;
    }
    await db.order.update({
      where: { id: order.id },
      data: { status: 'REJECTED', rejectionCode: failure?.code ?? ErrorCode.PAYMENT_UNAVAILABLE, voidPending: failure?.maybeCharged ?? true, version: { increment: 1 } },
    });
    // An uncertain charge is voided by the recovery loop, not here: an immediate void
    // would double the calls to a payment that is already too slow.
    log.warn({ code: failure?.code, maybeCharged: failure?.maybeCharged }, 'order rejected: payment failed');
    if (e instanceof DomainError) {
      e.extensions.orderId = order.id;
      throw e;
    }
    throw new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, 'Payment is unavailable right now. Please retry shortly.', { orderId: order.id });
  }

  let paid: Order;
  try {
    paid = await settlePaid(deps, order, paymentId, null);
  } catch (e) {
    // Charged, but not recorded as PAID (a database error or timeout): recovery finds the
    // approved payment and completes the order. Tell the client which order, and that it stands.
    log.error({ err: e, paymentId }, 'payment approved but the order could not be marked PAID; recovery completes it');
    throw new DomainError(
      ErrorCode.ORDER_OUTCOME_PENDING,
      `Order ${order.id} was recorded and payment approved; confirming it is delayed. It completes shortly: read order(id), or retry with the same Idempotency-Key.`,
      { orderId: order.id, status: 'PENDING' },
    );
  }
  log.info({ paymentId }, 'order paid');
  return paid;
}

/**
 * Every error once an order was written names it (`extensions.orderId`): a coded error keeps
 * its code; anything unexpected becomes ORDER_OUTCOME_PENDING (the cause goes to the log,
 * recovery settles the order).
 */
function withOrderHandle(e: unknown, orderId: string, log: Logger): DomainError {
  if (e instanceof DomainError) {
    // A withdrawn order (payment never reached) no longer exists: no handle to give.
    if (!withdrawn.has(e)) e.extensions.orderId ??= orderId;
    return e;
  }
  log.error({ err: e, orderId }, 'placeOrder failed after the order was written');
  return new DomainError(
    ErrorCode.ORDER_OUTCOME_PENDING,
    `Order ${orderId} was recorded but its payment outcome is not known yet. Read order(id), or retry with the same Idempotency-Key.`,
    { orderId, status: 'PENDING' },
  );
}

/**
 * The answer to a retry with a known key: the order as it is now. While its payment is
 * still in flight (PENDING), waits up to `idempotencyWaitMs` for the outcome, then answers
 * IDEMPOTENCY_KEY_IN_PROGRESS with the orderId. A REJECTED order answers as the first call
 * did: its rejection code, with the orderId (a new attempt needs a new key).
 */
async function replayOrder(deps: OrderingDeps, orderId: string): Promise<Order> {
  const deadline = Date.now() + (deps.idempotencyWaitMs ?? 3000);
  for (;;) {
    const order = await deps.db.order.findUnique({ where: { id: orderId } });
    if (order && order.status === 'REJECTED') {
      const code = order.rejectionCode === ErrorCode.PAYMENT_DECLINED ? ErrorCode.PAYMENT_DECLINED : ErrorCode.PAYMENT_UNAVAILABLE;
      throw new DomainError(code, `Order ${orderId} was rejected (${code}); this Idempotency-Key answers that. Use a new key to try again.`, {
        orderId,
        status: 'REJECTED',
      });
    }
    if (order && order.status !== 'PENDING') return order;
    // Gone: withdrawn with its key (payment was not reached) since the key was read; retrying starts afresh.
    if (!order || Date.now() >= deadline) {
      throw new DomainError(
        ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
        'A request with this Idempotency-Key is still being processed. Retry shortly with the same key.',
        order ? { orderId, status: order.status } : {},
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What placeOrder writes of a new order (the rest are the table's defaults). */
type PendingOrder = Pick<
  Order,
  'id' | 'customerId' | 'productId' | 'productName' | 'storeId' | 'qty' | 'unitPrice' | 'amount' | 'paymentMethod' | 'deliveryAddress'
>;

/** Inserts the PENDING order (one statement) and returns it as the table holds it. */
async function insertPending(sql: RawSql, o: PendingOrder): Promise<Order> {
  const now = new Date();
  const [order] = await sql.$queryRaw<Order[]>`
    INSERT INTO "Order" ("id", "customerId", "productId", "productName", "storeId", "qty", "unitPrice", "amount", "status", "paymentMethod", "deliveryAddress", "createdAt", "updatedAt")
    VALUES (${o.id}, ${o.customerId}, ${o.productId}, ${o.productName}, ${o.storeId}, ${o.qty}, ${o.unitPrice}, ${o.amount}, 'PENDING',
      ${o.paymentMethod}::"PaymentMethod", ${o.deliveryAddress}, ${now}, ${now})
    RETURNING *`;
  return order;
}

/**
 * PENDING → PAID and OrderPlaced, committed together: one statement (the order's update, and
 * the outbox row inserted from the updated row only), so no BEGIN/COMMIT round trips on
 * placeOrder's hot path (issue 13). The update is guarded by status PENDING and the version
 * read: an order that recovery settled meanwhile is not updated, no event is written, and
 * this throws.
 */
export async function settlePaid(deps: Pick<OrderingDeps, 'db' | 'relay'>, order: Order, paymentId: string, causationId: string | null): Promise<Order> {
  assertTransition(order.status as OrderStatus, 'PAID');
  const version = order.version + 1;
  const [paid] = await traceStatement('ordering', 'postgresql', { operation: 'UPDATE', table: 'Order' }, () => {
    const now = new Date();
    const event = outboxRow(
      OrderPlaced,
      {
        orderId: order.id,
        customerId: order.customerId,
        productId: order.productId,
        productName: order.productName,
        storeId: order.storeId,
        qty: order.qty,
        unitPrice: order.unitPrice,
        amount: order.amount,
        paymentId,
        status: 'PAID',
        version,
        placedAt: now.toISOString(),
        paymentMethod: order.paymentMethod as PaymentMethod,
        deliveryAddress: order.deliveryAddress,
      },
      { correlationId: order.id, causationId },
    );
    return deps.db.$queryRaw<Order[]>`
      WITH u AS (
        UPDATE "Order" SET "status" = 'PAID', "paymentId" = ${paymentId}, "version" = ${version}, "updatedAt" = ${now}
        WHERE "id" = ${order.id} AND "status" = 'PENDING' AND "version" = ${order.version}
        RETURNING *
      ), o AS (
        INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId")
        SELECT ${event.id}, ${event.subject}, ${event.stream}, ${event.payload}::jsonb, ${event.correlationId} FROM u
      )
      SELECT * FROM u`;
  });
  if (!paid) throw new Error(`order ${order.id} is no longer PENDING at version ${order.version}: not marked PAID`);
  deps.relay.notify();
  return paid;
}

/** moveTo found the order changed since it was read (its version guard): retry with a fresh read. */
export class StaleOrder extends Error {
  constructor(orderId: string, version: number, to: string) {
    super(`order ${orderId} changed since version ${version} was read; not moved to ${to}`);
    this.name = 'StaleOrder';
  }
}

/**
 * Moves an order to a new status in a transaction the caller owns (an event handler's or
 * a mutation's) and writes OrderStatusChanged with it: every status change of an order is
 * announced, with the order's new version. The update is guarded by the version read, so
 * a concurrent change makes this one fail (and its event be retried) instead of overwriting it.
 * The update and its outbox row are one statement (the outbox row is inserted from the
 * updated row only): no event without its change, and one round trip (issue 13).
 */
export async function moveTo(
  tx: RawSql,
  order: Order,
  to: OrderStatus,
  causationId: string | null,
  extra: { cancellationReason?: string | null; cancellationFailure?: string } = {},
): Promise<Order> {
  assertTransition(order.status as OrderStatus, to);
  const version = order.version + 1;
  const now = new Date();
  const event = outboxRow(
    OrderStatusChanged,
    {
      orderId: order.id,
      customerId: order.customerId,
      storeId: order.storeId,
      status: to,
      previousStatus: order.status as OrderStatus,
      version,
      changedAt: now.toISOString(),
    },
    { correlationId: order.id, causationId },
  );
  const setReason = 'cancellationReason' in extra;
  const setFailure = 'cancellationFailure' in extra;
  const [updated] = await tx.$queryRaw<Order[]>`
    WITH u AS (
      UPDATE "Order" SET "status" = ${to}::"OrderStatus", "version" = ${version}, "updatedAt" = ${now},
        "cancellationReason" = CASE WHEN ${setReason}::boolean THEN ${extra.cancellationReason ?? null}::text ELSE "cancellationReason" END,
        "cancellationFailure" = CASE WHEN ${setFailure}::boolean THEN ${extra.cancellationFailure ?? null}::text ELSE "cancellationFailure" END
      WHERE "id" = ${order.id} AND "version" = ${order.version}
      RETURNING *
    ), o AS (
      INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId")
      SELECT ${event.id}, ${event.subject}, ${event.stream}, ${event.payload}::jsonb, ${event.correlationId} FROM u
    )
    SELECT * FROM u`;
  // Changed since it was read: this transaction fails, and its event (or the mutation) is retried with a fresh read.
  if (!updated) throw new StaleOrder(order.id, order.version, to);
  return updated;
}

/** The order by id (one statement), or undefined. */
export async function orderById(sql: RawSql, orderId: string): Promise<Order | undefined> {
  const [order] = await sql.$queryRaw<Order[]>`SELECT * FROM "Order" WHERE "id" = ${orderId}`;
  return order;
}

/**
 * Settles what a crash or an outage left open. PENDING orders older than
 * `staleMs` (the process died between "charged" and "paid") become PAID when
 * payment has their charge, else REJECTED and voided. REJECTED orders whose charge
 * was uncertain are voided once payment answers.
 */
export async function recoverOrders(deps: OrderingDeps, staleMs: number): Promise<{ settled: number; voided: number }> {
  const cutoff = new Date(Date.now() - staleMs);
  let settled = 0;
  let voided = 0;
  const pending = await deps.db.order.findMany({ where: { status: 'PENDING', createdAt: { lt: cutoff } }, take: 100 });
  for (const order of pending) {
    const log = deps.log.child({ orderId: order.id });
    try {
      const payment = await deps.payments.find(order.id);
      if (payment?.status === 'APPROVED') {
        await settlePaid(deps, order, payment.paymentId, null);
        log.info({ paymentId: payment.paymentId }, 'recovered: stale pending order was paid');
      } else {
        await deps.payments.void(order.id);
        await deps.db.order.update({ where: { id: order.id, status: 'PENDING' }, data: { status: 'REJECTED', rejectionCode: 'PAYMENT_UNAVAILABLE', version: { increment: 1 } } });
        log.info('recovered: stale pending order rejected');
      }
      settled++;
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'recovery of pending order deferred');
    }
  }
  const toVoid = await deps.db.order.findMany({ where: { status: 'REJECTED', voidPending: true }, take: 100 });
  for (const order of toVoid) {
    try {
      await deps.payments.void(order.id);
      await deps.db.order.update({ where: { id: order.id }, data: { voidPending: false } });
      voided++;
    } catch {
      // payment still away; next round
    }
  }
  return { settled, voided };
}
