import { newId } from '../../platform/ids';
import type { EventData } from '../../platform/events';
import { addToOutbox } from '../../platform/outbox';
import type { OrderCancelled } from '../ordering/contracts';
import { PaymentCancelled } from './contracts';
import type { Payment, PaymentTx } from './db';
import { UNKNOWN_CUSTOMER } from './payments';

/**
 * The saga's compensation at payment: the cancelled order's charge is refunded, in the
 * transaction of the event handler, with PaymentCancelled for delivery. Every outcome
 * moves the saga on:
 * - APPROVED → CANCELLED with refundedAt, refunding the amount;
 * - VOIDED (never charged) stays VOIDED, refunding 0;
 * - no payment at all (cannot happen for a PAID order; a lost row would be) → a CANCELLED
 *   tombstone with amount 0, which also refuses any late approval of the order;
 * - already CANCELLED → nothing (the saga went on the first time).
 * A concurrent approve or void makes the guarded update miss; the handler fails and the
 * platform retries it on what that left.
 */
export async function cancelPaymentOf(tx: PaymentTx, o: EventData<typeof OrderCancelled>, causationId: string): Promise<Payment | null> {
  const now = new Date();
  const existing = await tx.payment.findUnique({ where: { orderId: o.orderId } });
  if (existing?.status === 'CANCELLED') return null;

  let payment: Payment;
  let refunded = 0;
  if (!existing) {
    payment = await tx.payment.create({ data: { id: newId(), orderId: o.orderId, customerId: o.customerId, amount: 0, status: 'CANCELLED', refundedAt: now } });
  } else if (existing.status === 'VOIDED') {
    payment = existing;
  } else {
    const { count } = await tx.payment.updateMany({ where: { id: existing.id, status: 'APPROVED' }, data: { status: 'CANCELLED', refundedAt: now } });
    if (count === 0) throw new Error(`payment ${existing.id} changed while being cancelled`);
    payment = await tx.payment.findUniqueOrThrow({ where: { id: existing.id } });
    refunded = payment.amount;
  }
  await addToOutbox(
    tx,
    PaymentCancelled,
    { paymentId: payment.id, orderId: o.orderId, customerId: payment.customerId === UNKNOWN_CUSTOMER ? o.customerId : payment.customerId, refundedAmount: refunded, refundedAt: now.toISOString() },
    { correlationId: o.orderId, causationId },
  );
  return payment;
}
