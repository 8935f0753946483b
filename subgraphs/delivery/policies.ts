import { policy } from '../../platform/consumer';
import { addToOutbox } from '../../platform/outbox';
import { OrderCancelled, OrderPlaced } from '../ordering/contracts';
import { PaymentCancelled } from '../payment/contracts';
import { DeliveryCancellationRefused, DeliveryCancelled } from './contracts';
import type { DeliveryTx } from './db';
import { cancelDecision } from './rules';
import { newId } from '../../platform/ids';

/**
 * A paid order waits for its store. When a cancellation arrived first (events of different
 * streams race), the row exists without the order's details: they are filled in and its
 * status stands, so a late OrderPlaced never reopens a cancelled delivery.
 */
export const openDeliveryOnOrderPlaced = policy<DeliveryTx, typeof OrderPlaced>({
  name: 'order-placed',
  event: OrderPlaced,
  // One statement: the row is created WAITING, or a row a cancellation created first
  // (no store yet) gets the order's details and keeps its status; a repeat changes nothing.
  async handle(tx, o) {
    await tx.$executeRaw`
      INSERT INTO "Delivery" ("id", "orderId", "storeId", "customerId", "item", "qty", "deliveryAddress", "status", "updatedAt")
      VALUES (${newId()}, ${o.orderId}, ${o.storeId}, ${o.customerId}, ${o.productName}, ${o.qty}, ${o.deliveryAddress ?? null}, 'WAITING', now())
      ON CONFLICT ("orderId") DO UPDATE SET "storeId" = EXCLUDED."storeId", "customerId" = EXCLUDED."customerId", "item" = EXCLUDED."item",
        "qty" = EXCLUDED."qty", "deliveryAddress" = EXCLUDED."deliveryAddress", "updatedAt" = now()
      WHERE "Delivery"."storeId" IS NULL`;
  },
});

/**
 * The customer cancelled: delivery refuses every further step for the order from now on
 * (the courier cannot leave with an order being cancelled). The cancellation itself
 * happens when payment has refunded (PaymentCancelled).
 */
export const stopOnOrderCancelled = policy<DeliveryTx, typeof OrderCancelled>({
  name: 'order-cancelled',
  event: OrderCancelled,
  async handle(tx, o) {
    const now = new Date();
    await tx.delivery.upsert({
      where: { orderId: o.orderId },
      create: { id: newId(), orderId: o.orderId, customerId: o.customerId, status: 'WAITING', cancelRequestedAt: now },
      update: {},
    });
    // Guarded, so it serialises with a step in flight: either the step committed first (and the
    // saga will find the delivery past it), or the step finds the request and is refused.
    await tx.delivery.updateMany({ where: { orderId: o.orderId, cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
  },
});

/**
 * The payment is refunded: cancel the delivery (the saga's last compensation) and say so;
 * or, when the delivery has already left, refuse and say so, so the saga ends visibly
 * (ordering: CANCELLATION_FAILED). A cancellation that arrives before the order itself
 * leaves a CANCELLED row for the late OrderPlaced to find.
 */
export const cancelOnPaymentCancelled = policy<DeliveryTx, typeof PaymentCancelled>({
  name: 'payment-cancelled',
  event: PaymentCancelled,
  async handle(tx, p, env) {
    const now = new Date();
    const meta = { correlationId: p.orderId, causationId: env.id };
    const d = await tx.delivery.findUnique({ where: { orderId: p.orderId } });
    if (!d) {
      // A concurrent OrderPlaced creating the row makes this insert fail; the retry finds its row.
      const tomb = await tx.delivery.create({
        data: { id: newId(), orderId: p.orderId, customerId: p.customerId, status: 'CANCELLED', cancelRequestedAt: now, cancelledAt: now },
      });
      await addToOutbox(tx, DeliveryCancelled, { deliveryId: tomb.id, orderId: p.orderId, customerId: p.customerId, previousStatus: null, cancelledAt: now.toISOString() }, meta);
      return;
    }
    const decision = cancelDecision(d.status);
    if (decision.kind === 'already') return;
    if (decision.kind === 'refuse') {
      await tx.delivery.updateMany({ where: { id: d.id, cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
      await addToOutbox(
        tx,
        DeliveryCancellationRefused,
        { deliveryId: d.id, orderId: d.orderId, customerId: d.customerId, status: d.status, reason: decision.reason, refusedAt: now.toISOString() },
        meta,
      );
      return;
    }
    const { count } = await tx.delivery.updateMany({
      where: { id: d.id, status: d.status },
      data: { status: 'CANCELLED', cancelledAt: now, cancelRequestedAt: d.cancelRequestedAt ?? now },
    });
    // A step committed in between (only possible before the cancellation request was seen): decide again.
    if (count === 0) throw new Error(`delivery ${d.id} changed while being cancelled`);
    await addToOutbox(
      tx,
      DeliveryCancelled,
      { deliveryId: d.id, orderId: d.orderId, customerId: d.customerId, previousStatus: d.status, cancelledAt: now.toISOString() },
      meta,
    );
  },
});
