import { DomainError, ErrorCode } from '../../platform/errors';
import { keyedCall, runOnce } from '../../platform/idempotency';
import { addToOutbox } from '../../platform/outbox';
import { isRentable } from '../catalog/contracts';
import { ReservationCancelled, ReservationConfirmed, ReservationFailed, ReservationRequested } from './contracts';
import type { RentalDb, RentalTx, Reservation } from './db';
import { assertCancellable, validateRequest, validateReservationId, type ReservationStatus } from './rules';
import { newId } from '../../platform/ids';

/** The reservation as every rental event carries it. */
const snapshot = (r: Reservation) => ({
  reservationId: r.id,
  customerId: r.customerId,
  productId: r.productId,
  title: r.title,
  version: r.version,
  requestedAt: r.requestedAt.toISOString(),
});

/**
 * A customer asks for one copy of a book. The reservation is recorded as REQUESTED with
 * ReservationRequested in the same commit and the answer comes at once: inventory
 * decides later, from the event, so requests are taken even while inventory is down.
 * Only rentable products (a library's books: catalog's isRentable) are taken:
 * PRODUCT_NOT_RENTABLE otherwise, before anything is written. With an Idempotency-Key
 * (platform/idempotency.ts) a retry answers the first reservation as it is now.
 */
export async function requestReservation(db: RentalDb, input: unknown, idempotencyKey?: string): Promise<Reservation> {
  const cmd = validateRequest(input);
  const call = keyedCall(idempotencyKey, { role: 'customer', sub: cmd.customerId }, 'requestReservation', cmd);
  return runOnce<Reservation, RentalTx>(db, call, {
    replay: async (id) => db.reservation.findUniqueOrThrow({ where: { id } }),
    perform: async (claim) => {
      const product = await db.catalogProduct.findUnique({ where: { id: cmd.productId } });
      if (!product) throw new DomainError(ErrorCode.PRODUCT_NOT_FOUND, `No product "${cmd.productId}" in the catalog.`, { productId: cmd.productId });
      if (!isRentable(product.storeKind)) {
        throw new DomainError(ErrorCode.PRODUCT_NOT_RENTABLE, `"${product.name}" cannot be rented: only a library's books can be reserved.`, {
          productId: product.id,
          storeKind: product.storeKind,
        });
      }
      return db.$transaction(async (tx) => {
        const id = newId();
        await claim(tx, id);
        const r = await tx.reservation.create({
          data: { id, customerId: cmd.customerId, productId: product.id, title: product.name, status: 'REQUESTED' },
        });
        await addToOutbox(tx, ReservationRequested, { ...snapshot(r), status: 'REQUESTED' }, { correlationId: r.id });
        return r;
      });
    },
  });
}

/**
 * The customer cancels: REQUESTED or RESERVED → CANCELLED with ReservationCancelled;
 * inventory puts the copy back if it holds one (also when this overtakes the request).
 * `authorize` sees the reservation's owner before anything changes and throws to refuse.
 */
export async function cancelReservation(
  db: RentalDb,
  rawId: unknown,
  authorize: (owner: { customerId: string }) => void = () => undefined,
): Promise<Reservation> {
  const id = validateReservationId(rawId);
  return db.$transaction(async (tx) => {
    // Locked: inventory's answer for this reservation waits, so the status read here is the one replaced.
    const [locked] = await tx.$queryRaw<Array<{ status: ReservationStatus; customerId: string }>>`
      SELECT "status"::text AS "status", "customerId" FROM "Reservation" WHERE "id" = ${id} FOR UPDATE`;
    if (!locked) throw new DomainError(ErrorCode.RESERVATION_NOT_FOUND, `No reservation ${id}.`, { reservationId: id });
    authorize({ customerId: locked.customerId });
    assertCancellable(id, locked.status);
    const r = await tx.reservation.update({ where: { id }, data: { status: 'CANCELLED', version: { increment: 1 } } });
    await addToOutbox(
      tx,
      ReservationCancelled,
      { ...snapshot(r), status: 'CANCELLED', previousStatus: locked.status, cancelledAt: r.updatedAt.toISOString() },
      { correlationId: r.id },
    );
    return r;
  });
}

/**
 * Applies inventory's answer to a REQUESTED reservation (in an event handler's
 * transaction). A reservation cancelled meanwhile stays CANCELLED: inventory releases
 * the copy on the cancellation. Returns false when nothing changed.
 */
export async function settleRequest(
  tx: RentalTx,
  reservationId: string,
  outcome: { status: 'RESERVED' } | { status: 'FAILED'; reason: string },
  causationId: string,
): Promise<boolean> {
  const { count } = await tx.reservation.updateMany({
    where: { id: reservationId, status: 'REQUESTED' },
    data: { status: outcome.status, failureReason: outcome.status === 'FAILED' ? outcome.reason : null, version: { increment: 1 } },
  });
  if (count === 0) {
    // Written with its ReservationRequested, so it exists unless the event is not about one of ours.
    if (!(await tx.reservation.findUnique({ where: { id: reservationId }, select: { id: true } }))) throw new Error(`reservation ${reservationId} not found`);
    return false;
  }
  const r = await tx.reservation.findUniqueOrThrow({ where: { id: reservationId } });
  const meta = { correlationId: r.id, causationId };
  if (outcome.status === 'RESERVED') {
    await addToOutbox(tx, ReservationConfirmed, { ...snapshot(r), status: 'RESERVED', confirmedAt: r.updatedAt.toISOString() }, meta);
  } else {
    await addToOutbox(tx, ReservationFailed, { ...snapshot(r), status: 'FAILED', reason: outcome.reason, failedAt: r.updatedAt.toISOString() }, meta);
  }
  return true;
}
