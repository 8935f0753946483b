import { policy } from '../../platform/consumer';
import type { EventData } from '../../platform/events';
import { ReservationCancelled, ReservationConfirmed, ReservationFailed, ReservationRequested } from '../rental/contracts';
import type { MypageTx } from './db';

/**
 * The customer's reservations, from rental's events. Every event carries the whole
 * reservation and its version; four subjects mean four consumers and no order between
 * them, so a view is created by whichever arrives first and changed only by a newer version.
 */
type Snapshot = EventData<typeof ReservationRequested> | EventData<typeof ReservationConfirmed> | EventData<typeof ReservationFailed> | EventData<typeof ReservationCancelled>;

export async function applyReservation(tx: MypageTx, r: Snapshot): Promise<void> {
  const failureReason = 'reason' in r ? r.reason : null;
  await tx.$executeRaw`
    INSERT INTO "ReservationView" ("reservationId", "customerId", "productId", "title", "status", "failureReason", "version", "requestedAt")
    VALUES (${r.reservationId}, ${r.customerId}, ${r.productId}, ${r.title}, ${r.status}, ${failureReason}, ${r.version}, ${new Date(r.requestedAt)})
    ON CONFLICT ("reservationId") DO UPDATE SET "status" = EXCLUDED."status", "failureReason" = EXCLUDED."failureReason", "version" = EXCLUDED."version", "updatedAt" = now()
    WHERE "ReservationView"."version" < EXCLUDED."version"`;
}

export const reservationRequested = policy<MypageTx, typeof ReservationRequested>({
  name: 'reservation-requested',
  event: ReservationRequested,
  handle: (tx, r) => applyReservation(tx, r),
});

export const reservationConfirmed = policy<MypageTx, typeof ReservationConfirmed>({
  name: 'reservation-confirmed',
  event: ReservationConfirmed,
  handle: (tx, r) => applyReservation(tx, r),
});

export const reservationFailed = policy<MypageTx, typeof ReservationFailed>({
  name: 'reservation-failed',
  event: ReservationFailed,
  handle: (tx, r) => applyReservation(tx, r),
});

export const reservationCancelled = policy<MypageTx, typeof ReservationCancelled>({
  name: 'reservation-cancelled',
  event: ReservationCancelled,
  handle: (tx, r) => applyReservation(tx, r),
});

export const reservationViewPolicies = [reservationRequested, reservationConfirmed, reservationFailed, reservationCancelled];
