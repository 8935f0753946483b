import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';
import { addToOutbox } from '../../platform/outbox';
import { DeliveryAccepted } from './contracts';
import type { Delivery, DeliveryDb } from './db';
import { assertTransition, type DeliveryStatus } from './rules';

const orderIdInput = z.string().trim().min(1).max(64);

/** The store accepts the order: WAITING → ACCEPTED and DeliveryAccepted, committed together. */
export async function acceptOrder(db: DeliveryDb, rawOrderId: string): Promise<Delivery> {
  const orderId = orderIdInput.safeParse(rawOrderId);
  if (!orderId.success) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'orderId is required.', { field: 'orderId' });
  return db.$transaction(async (tx) => {
    const d = await tx.delivery.findUnique({ where: { orderId: orderId.data } });
    if (!d) throw new DomainError(ErrorCode.DELIVERY_NOT_FOUND, `No delivery for order ${orderId.data} (unknown, unpaid, or not arrived yet).`, { orderId: orderId.data });
    assertTransition(d.status as DeliveryStatus, 'ACCEPTED');
    // Guarded by the status read above: when a concurrent accept committed first, nothing is updated
    // and this one is refused like any second accept (not a P2025 internal error).
    const { count } = await tx.delivery.updateMany({ where: { id: d.id, status: d.status }, data: { status: 'ACCEPTED' } });
    const accepted = await tx.delivery.findUniqueOrThrow({ where: { id: d.id } });
    if (count === 0) {
      assertTransition(accepted.status as DeliveryStatus, 'ACCEPTED');
      throw new Error(`delivery ${d.id} changed concurrently`);
    }
    await addToOutbox(
      tx,
      DeliveryAccepted,
      { deliveryId: d.id, orderId: d.orderId, storeId: d.storeId, acceptedAt: accepted.updatedAt.toISOString() },
      { correlationId: d.orderId },
    );
    return accepted;
  });
}
