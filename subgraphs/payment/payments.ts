import { newId } from '../../platform/ids';
import { z } from 'zod';
import { addToOutbox, outboxRow } from '../../platform/outbox';
import { traceStatement } from '../../platform/tracing';
import { PAYMENT_METHODS, PaymentApproved, PaymentVoided } from './contracts';
import type { Payment, PaymentDb } from './db';

export const approveRequest = z.object({
  orderId: z.string().min(1).max(64),
  customerId: z.string().min(1).max(64),
  amount: z.number().int().nonnegative().max(1_000_000_000),
  // Optional for callers that predate it.
  method: z.enum(PAYMENT_METHODS).default('CREDIT_CARD'),
});
export type ApproveRequest = z.infer<typeof approveRequest>;

/** The customer of a tombstone voided before payment heard of the order: nobody (such a payment is admin-only to read). */
export const UNKNOWN_CUSTOMER = 'unknown';

export type ApproveResult = { ok: true; payment: Payment } | { ok: false; code: 'PAYMENT_DECLINED'; message: string };

/**
 * Idempotent by order id: a second approve for the same order returns the first
 * payment and charges nothing more. An order already voided is declined, so a
 * late retry can never charge an order that ordering has rejected.
 *
 * The charge and its PaymentApproved event are one SQL statement (the hot path of every
 * placeOrder, issue 13): the payment row is inserted unless the order has one (ON CONFLICT on
 * the unique order id), and the outbox row is inserted from the inserted row only, so both
 * commit together or not at all (one statement is one transaction in PostgreSQL) without a
 * read before and without BEGIN/COMMIT round trips. When the order already has a payment
 * (a retry, or a concurrent approve that won: ON CONFLICT waits for it), that one decides.
 */
export async function approve(db: PaymentDb, req: ApproveRequest): Promise<ApproveResult> {
  const decide = (p: Payment): ApproveResult =>
    // VOIDED or CANCELLED: the order must never be charged (again).
    p.status === 'APPROVED' ? { ok: true, payment: p } : { ok: false, code: 'PAYMENT_DECLINED', message: `Order ${req.orderId} was cancelled at payment.` };
  const id = newId();
  const [inserted] = await traceStatement('payment', 'postgresql', { operation: 'INSERT', table: 'Payment' }, () => {
    const event = outboxRow(PaymentApproved, { paymentId: id, orderId: req.orderId, customerId: req.customerId, amount: req.amount }, { correlationId: req.orderId });
    const now = new Date();
    return db.$queryRaw<Payment[]>`
    WITH p AS (
      INSERT INTO "Payment" ("id", "orderId", "customerId", "amount", "method", "status", "createdAt", "updatedAt")
      VALUES (${id}, ${req.orderId}, ${req.customerId}, ${req.amount}, ${req.method}::"PaymentMethod", 'APPROVED', ${now}, ${now})
      ON CONFLICT ("orderId") DO NOTHING
      RETURNING *
    ), o AS (
      INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId")
      SELECT ${event.id}, ${event.subject}, ${event.stream}, ${event.payload}::jsonb, ${event.correlationId} FROM p
    )
    SELECT * FROM p`;
  });
  if (inserted) return { ok: true, payment: inserted };
  return decide(await db.payment.findUniqueOrThrow({ where: { orderId: req.orderId } }));
}

/** Voids the order's payment, or records that the order must never be charged. Idempotent, also under concurrent calls. */
export async function voidForOrder(db: PaymentDb, orderId: string): Promise<Payment> {
  try {
    return await voidOnce(db, orderId);
  } catch (e) {
    // A concurrent approve or void created the order's row first: void that one.
    if ((e as { code?: string }).code === 'P2002') return voidOnce(db, orderId);
    throw e;
  }
}

function voidOnce(db: PaymentDb, orderId: string): Promise<Payment> {
  return db.$transaction(async (tx) => {
    const existing = await tx.payment.findUnique({ where: { orderId } });
    if (existing?.status === 'VOIDED') return existing;
    let p: Payment;
    if (existing) {
      // Only the void that flips APPROVED → VOIDED announces it; a concurrent one finds it already voided.
      const { count } = await tx.payment.updateMany({ where: { id: existing.id, status: 'APPROVED' }, data: { status: 'VOIDED' } });
      p = await tx.payment.findUniqueOrThrow({ where: { id: existing.id } });
      if (count === 0) return p;
    } else {
      p = await tx.payment.create({ data: { id: newId(), orderId, customerId: UNKNOWN_CUSTOMER, amount: 0, status: 'VOIDED' } });
    }
    await addToOutbox(tx, PaymentVoided, { paymentId: p.id, orderId, wasCharged: Boolean(existing) }, { correlationId: orderId });
    return p;
  });
}

/** Parses "400-620" or "250" into a latency range; used to slow payment down for the breaker experiment. */
export function parseLatency(spec: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(spec);
  if (!m) throw new Error(`PAYMENT_LATENCY_MS must look like "0" or "400-620", got "${spec}"`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw new Error(`PAYMENT_LATENCY_MS range is reversed: "${spec}"`);
  return [lo, hi];
}
