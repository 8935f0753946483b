import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';

export const RESERVATION_STATUSES = ['REQUESTED', 'RESERVED', 'FAILED', 'CANCELLED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/**
 * The reservation's life. REQUESTED may be cancelled before inventory answered:
 * inventory then holds nothing for it, whichever of the two events it sees first.
 */
const next: Record<ReservationStatus, readonly ReservationStatus[]> = {
  REQUESTED: ['RESERVED', 'FAILED', 'CANCELLED'],
  RESERVED: ['CANCELLED'],
  FAILED: [],
  CANCELLED: [],
};

export const canTransition = (from: ReservationStatus, to: ReservationStatus) => next[from].includes(to);

export const isCancellable = (status: ReservationStatus) => canTransition(status, 'CANCELLED');

/** Refuses a cancellation the status does not allow, with a code the client can branch on. */
export function assertCancellable(id: string, status: ReservationStatus): void {
  if (!isCancellable(status)) {
    throw new DomainError(ErrorCode.RESERVATION_NOT_CANCELLABLE, `A reservation that is ${status} cannot be cancelled.`, { reservationId: id, status });
  }
}

const id = (what: string) => z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters').describe(what);

const requestInput = z.object({ customerId: id('customer'), productId: id('product') });
export type RequestReservation = z.infer<typeof requestInput>;

/** Validates before anything is written; the first problem becomes BAD_USER_INPUT naming the field. */
export function validateRequest(input: unknown): RequestReservation {
  const r = requestInput.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} ${issue.message}.`, { field });
}

export function validateReservationId(raw: unknown): string {
  const r = id('reservation').safeParse(raw);
  if (r.success) return r.data;
  throw new DomainError(ErrorCode.BAD_USER_INPUT, `id ${r.error.issues[0].message}.`, { field: 'id' });
}
