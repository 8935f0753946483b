import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { addToOutbox, type OutboxRelay } from '../../platform/outbox';
import { tagCase } from '../../platform/tracing';
import { OrderPlaced, OrderStatusChanged } from './contracts';
import type { Order, OrderingDb, OrderingTx } from './db';
import type { PaymentClient } from './payment-client';
import { assertTransition, orderAmount, validatePlaceOrder, type OrderStatus, type PaymentMethod } from './rules';

export interface OrderingDeps {
  db: OrderingDb;
  payments: PaymentClient;
  relay: OutboxRelay;
  log: Logger;
}

/**
 * placeOrder, as a story (for the signed-in customer `customerId`): check the input; price it from ordering's copy of the
 * catalog; record the order as PENDING; charge it at payment (synchronously,
 * behind a breaker); then, in one transaction, mark it PAID and write OrderPlaced
 * to the outbox. If payment fails, the order is REJECTED, no event is written,
 * and if a charge may have happened anyway (a timeout) the payment is voided.
 */
export async function placeOrder(deps: OrderingDeps, customerId: string, input: unknown): Promise<Order> {
  const { db, payments } = deps;
  // The customer is the signed-in one (the caller passes the token's subject), never a field of the input.
  const cmd = validatePlaceOrder({ ...(input && typeof input === 'object' ? input : {}), customerId });
  const product = await db.catalogProduct.findUnique({ where: { id: cmd.productId } });
  if (!product) throw new DomainError(ErrorCode.PRODUCT_NOT_FOUND, `No product "${cmd.productId}" in the catalog.`, { productId: cmd.productId });
  // Refuse before writing anything when payment cannot be called now (breaker open, bulkhead full).
  payments.assertAvailable();

  const order = await db.order.create({
    data: {
      id: randomUUID(),
      customerId: cmd.customerId,
      productId: product.id,
      productName: product.name,
      storeId: product.storeId,
      qty: cmd.qty,
      unitPrice: product.price,
      amount: orderAmount(product.price, cmd.qty),
      paymentMethod: cmd.paymentMethod,
      deliveryAddress: cmd.deliveryAddress,
      status: 'PENDING',
    },
  });
  const log = deps.log.child({ orderId: order.id, customerId: order.customerId });
  // The rest of this request's log lines (here and in what it calls) and its span name the order.
  tagCase({ orderId: order.id });
  log.info({ productId: order.productId, qty: order.qty, amount: order.amount }, 'order recorded, charging payment');

  let paymentId: string;
  try {
    ({ paymentId } = await payments.approve({ orderId: order.id, customerId: order.customerId, amount: order.amount, method: order.paymentMethod as PaymentMethod }));
  } catch (e) {
    const failure = (e as { failure?: { code: string; maybeCharged: boolean } }).failure;
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

  const paid = await settlePaid(deps, order, paymentId, null);
  log.info({ paymentId }, 'order paid');
  return paid;
}

/** PENDING → PAID and OrderPlaced, committed together. */
export async function settlePaid(deps: Pick<OrderingDeps, 'db' | 'relay'>, order: Order, paymentId: string, causationId: string | null): Promise<Order> {
  assertTransition(order.status as OrderStatus, 'PAID');
  const paid = await deps.db.$transaction(async (tx) => {
    const updated = await tx.order.update({ where: { id: order.id, status: 'PENDING' }, data: { status: 'PAID', paymentId, version: { increment: 1 } } });
    await addToOutbox(
      tx,
      OrderPlaced,
      {
        orderId: updated.id,
        customerId: updated.customerId,
        productId: updated.productId,
        productName: updated.productName,
        storeId: updated.storeId,
        qty: updated.qty,
        unitPrice: updated.unitPrice,
        amount: updated.amount,
        paymentId,
        status: 'PAID',
        version: updated.version,
        placedAt: updated.updatedAt.toISOString(),
        paymentMethod: updated.paymentMethod as PaymentMethod,
        deliveryAddress: updated.deliveryAddress,
      },
      { correlationId: updated.id, causationId },
    );
    return updated;
  });
  deps.relay.notify();
  return paid;
}

/**
 * Moves an order to a new status in a transaction the caller owns (an event handler's or
 * a mutation's) and writes OrderStatusChanged with it: every status change of an order is
 * announced, with the order's new version. The update is guarded by the version read, so
 * a concurrent change makes this one fail (and its event be retried) instead of overwriting it.
 */
export async function moveTo(
  tx: OrderingTx,
  order: Order,
  to: OrderStatus,
  causationId: string | null,
  extra: { cancellationReason?: string | null; cancellationFailure?: string } = {},
): Promise<Order> {
  assertTransition(order.status as OrderStatus, to);
  const updated = await tx.order.update({ where: { id: order.id, version: order.version }, data: { status: to, ...extra, version: { increment: 1 } } });
  await addToOutbox(
    tx,
    OrderStatusChanged,
    {
      orderId: order.id,
      customerId: updated.customerId,
      storeId: updated.storeId,
      status: to,
      previousStatus: order.status as OrderStatus,
      version: updated.version,
      changedAt: updated.updatedAt.toISOString(),
    },
    { correlationId: order.id, causationId },
  );
  return updated;
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
