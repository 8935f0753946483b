import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';
import { addToOutbox } from '../../platform/outbox';
import { DeliveryAccepted, DeliveryCompleted, DeliveryStarted, ProductionStarted } from './contracts';
import type { Delivery, DeliveryDb, DeliveryTx } from './db';
import { assertStep, STEPS, type DeliveryStatus, type Step } from './rules';

const orderIdInput = z.string().trim().min(1).max(64);

/** A delivery whose order delivery has heard of (not only a cancellation that arrived first). */
export type KnownDelivery = Delivery & { storeId: string; item: string; qty: number };
export const isKnown = (d: Delivery | null): d is KnownDelivery => d !== null && d.storeId !== null && d.item !== null && d.qty !== null;

/**
 * Checks that the caller may act on this delivery (throws, e.g. FORBIDDEN); called once the
 * delivery is found, before its state is judged, inside the step's transaction.
 */
export type Authorize = (d: KnownDelivery) => void;

/** The store accepts the order: WAITING → ACCEPTED and DeliveryAccepted, committed together. */
export const acceptOrder = (db: DeliveryDb, orderId: string, authorize?: Authorize) => takeStep(db, orderId, 'accept', authorize);
/** The store starts making it: ACCEPTED → IN_PRODUCTION and ProductionStarted. */
export const startProduction = (db: DeliveryDb, orderId: string, authorize?: Authorize) => takeStep(db, orderId, 'startProduction', authorize);
/** The courier leaves with it: ACCEPTED or IN_PRODUCTION → SHIPPED and DeliveryStarted. */
export const startDelivery = (db: DeliveryDb, orderId: string, authorize?: Authorize) => takeStep(db, orderId, 'startDelivery', authorize);
/** The courier hands it over: SHIPPED → DELIVERED and DeliveryCompleted. */
export const completeDelivery = (db: DeliveryDb, orderId: string, authorize?: Authorize) => takeStep(db, orderId, 'completeDelivery', authorize);

const stepTime: Record<Step, keyof Pick<Delivery, 'acceptedAt' | 'productionStartedAt' | 'shippedAt' | 'deliveredAt'>> = {
  accept: 'acceptedAt',
  startProduction: 'productionStartedAt',
  startDelivery: 'shippedAt',
  completeDelivery: 'deliveredAt',
};

/**
 * One actor's step, with its event, in one transaction. The update is guarded by the
 * status read and by "no cancellation seen": when a concurrent step or the saga's
 * cancellation request committed first, nothing is updated and the step is refused like
 * any illegal one (INVALID_STATE_TRANSITION), never applied on top of it.
 */
async function takeStep(db: DeliveryDb, rawOrderId: string, step: Step, authorize?: Authorize): Promise<KnownDelivery> {
  const orderId = orderIdInput.safeParse(rawOrderId);
  if (!orderId.success) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'orderId is required (at most 64 characters).', { field: 'orderId' });
  const { to, startsWork } = STEPS[step];
  return db.$transaction(async (tx) => {
    const d = await tx.delivery.findUnique({ where: { orderId: orderId.data } });
    if (!isKnown(d)) throw new DomainError(ErrorCode.DELIVERY_NOT_FOUND, `No delivery for order ${orderId.data} (unknown, unpaid, or not arrived yet).`, { orderId: orderId.data });
    authorize?.(d);
    assertStep(step, d.status, d.cancelRequestedAt !== null);
    const now = new Date();
    const { count } = await tx.delivery.updateMany({
      where: { id: d.id, status: d.status, ...(startsWork ? { cancelRequestedAt: null } : {}) },
      // The step's time is the row's change time: one clock for both.
      data: { status: to, [stepTime[step]]: now, updatedAt: now },
    });
    const updated = await tx.delivery.findUniqueOrThrow({ where: { id: d.id } });
    if (count === 0) {
      assertStep(step, updated.status, updated.cancelRequestedAt !== null);
      throw new Error(`delivery ${d.id} changed concurrently`);
    }
    await announce(tx, updated as KnownDelivery, to);
    return updated as KnownDelivery;
  });
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

async function announce(tx: DeliveryTx, d: KnownDelivery, to: DeliveryStatus): Promise<void> {
  const meta = { correlationId: d.orderId };
  // Deliveries accepted before step times were kept have none; their creation is the closest.
  const acceptedAt = (d.acceptedAt ?? d.createdAt).toISOString();
  const base = { deliveryId: d.id, orderId: d.orderId, storeId: d.storeId, customerId: d.customerId, acceptedAt };
  switch (to) {
    case 'ACCEPTED':
      await addToOutbox(tx, DeliveryAccepted, { deliveryId: d.id, orderId: d.orderId, storeId: d.storeId, acceptedAt }, meta);
      return;
    case 'IN_PRODUCTION':
      await addToOutbox(tx, ProductionStarted, { ...base, productionStartedAt: d.productionStartedAt!.toISOString() }, meta);
      return;
    case 'SHIPPED':
      await addToOutbox(
        tx,
        DeliveryStarted,
        { ...base, productionStartedAt: iso(d.productionStartedAt), deliveryAddress: d.deliveryAddress, shippedAt: d.shippedAt!.toISOString() },
        meta,
      );
      return;
    case 'DELIVERED':
      await addToOutbox(
        tx,
        DeliveryCompleted,
        { ...base, productionStartedAt: iso(d.productionStartedAt), shippedAt: d.shippedAt!.toISOString(), deliveredAt: d.deliveredAt!.toISOString() },
        meta,
      );
      return;
    default:
      throw new Error(`no step leads to ${to}`);
  }
}
