import { policy } from '../../platform/consumer';
import { PermanentError } from '../../platform/errors';
import { ProductAdded } from '../catalog/contracts';
import { DeliveryAccepted, DeliveryCancellationRefused, DeliveryCancelled, DeliveryCompleted, DeliveryStarted, ProductionStarted } from '../delivery/contracts';
import type { Order, OrderingTx } from './db';
import { moveTo, orderById } from './orders';
import { deliveryProgress, type DeliveryProgress, type OrderStatus } from './rules';

/** Keep ordering's copy of the catalog (names, prices, stores) from catalog events. */
export const rememberProducts = policy<OrderingTx, typeof ProductAdded>({
  name: 'catalog-products',
  event: ProductAdded,
  async handle(tx, p) {
    const fields = { storeId: p.storeId, name: p.name, price: p.price };
    await tx.catalogProduct.upsert({ where: { id: p.productId }, create: { id: p.productId, ...fields }, update: fields });
  },
});

async function findOrder(tx: OrderingTx, orderId: string): Promise<Order> {
  const order = await orderById(tx, orderId);
  // Ordering writes every order before any event about it exists: a missing one is not a race.
  if (!order) throw new PermanentError(`order ${orderId} not found`);
  return order;
}

/** Moves the order through every delivery step the event reports that it does not show yet. */
async function followDelivery(tx: OrderingTx, orderId: string, progress: DeliveryProgress, causationId: string): Promise<void> {
  let order = await findOrder(tx, orderId);
  const decision = deliveryProgress(order.status as OrderStatus, progress);
  if (decision.kind === 'impossible') throw new PermanentError(`order ${orderId}: ${decision.reason}`);
  if (decision.kind === 'ignore') return;
  for (const status of decision.statuses) order = await moveTo(tx, order, status, causationId);
}

/** The store accepted the order: it is CONFIRMED. */
export const confirmOnDeliveryAccepted = policy<OrderingTx, typeof DeliveryAccepted>({
  name: 'delivery-accepted',
  event: DeliveryAccepted,
  async handle(tx, d, env) {
    await followDelivery(tx, d.orderId, { accepted: true, productionStarted: false, shipped: false, delivered: false }, env.id);
  },
});

/** The store started making it: IN_PRODUCTION. */
export const followProductionStarted = policy<OrderingTx, typeof ProductionStarted>({
  name: 'production-started',
  event: ProductionStarted,
  async handle(tx, d, env) {
    await followDelivery(tx, d.orderId, { accepted: true, productionStarted: true, shipped: false, delivered: false }, env.id);
  },
});

/** The courier left with it: SHIPPED. */
export const followDeliveryStarted = policy<OrderingTx, typeof DeliveryStarted>({
  name: 'delivery-started',
  event: DeliveryStarted,
  async handle(tx, d, env) {
    await followDelivery(tx, d.orderId, { accepted: true, productionStarted: d.productionStartedAt !== null, shipped: true, delivered: false }, env.id);
  },
});

/** The courier handed it over: DELIVERED. */
export const followDeliveryCompleted = policy<OrderingTx, typeof DeliveryCompleted>({
  name: 'delivery-completed',
  event: DeliveryCompleted,
  async handle(tx, d, env) {
    await followDelivery(tx, d.orderId, { accepted: true, productionStarted: d.productionStartedAt !== null, shipped: true, delivered: true }, env.id);
  },
});

/** The saga's last step: payment refunded, delivery cancelled — the order is CANCELLED. */
export const completeCancellation = policy<OrderingTx, typeof DeliveryCancelled>({
  name: 'delivery-cancelled',
  event: DeliveryCancelled,
  async handle(tx, d, env) {
    const order = await findOrder(tx, d.orderId);
    if (order.status === 'CANCELLED') return;
    // Delivery cancels only after payment did, which happens only for an order ordering put in CANCELLING.
    if (order.status !== 'CANCELLING') throw new PermanentError(`delivery cancelled order ${d.orderId}, which is ${order.status}, not CANCELLING`);
    await moveTo(tx, order, 'CANCELLED', env.id);
  },
});

/**
 * The saga cannot finish: the delivery had left before it heard of the cancellation. The
 * order ends CANCELLATION_FAILED, with delivery's reason, for a person to settle (the
 * payment was refunded; the goods are on their way) — a visible end, never a silent one.
 */
export const failCancellation = policy<OrderingTx, typeof DeliveryCancellationRefused>({
  name: 'delivery-cancellation-refused',
  event: DeliveryCancellationRefused,
  async handle(tx, d, env) {
    const order = await findOrder(tx, d.orderId);
    if (order.status === 'CANCELLATION_FAILED') return;
    if (order.status !== 'CANCELLING') throw new PermanentError(`delivery refused to cancel order ${d.orderId}, which is ${order.status}, not CANCELLING`);
    await moveTo(tx, order, 'CANCELLATION_FAILED', env.id, { cancellationFailure: d.reason });
  },
});
