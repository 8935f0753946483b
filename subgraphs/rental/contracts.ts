import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { RESERVATION_STATUSES } from './rules';

/**
 * Events rental publishes. Each carries the whole reservation as it stands after the
 * fact (with its version), so a read model or a notifier needs no call back and can
 * apply them in version order.
 */
const reservation = {
  reservationId: z.string().min(1),
  customerId: z.string().min(1),
  productId: z.string().min(1),
  /** The book's title, for messages and views. */
  title: z.string().min(1),
  status: z.enum(RESERVATION_STATUSES),
  /** The reservation's version after this event; read models apply only newer versions. */
  version: z.number().int().positive(),
  requestedAt: z.iso.datetime(),
};

/** A customer asked for one copy; inventory decides. */
export const ReservationRequested = defineEvent({
  context: 'rental',
  name: 'reservation-requested',
  version: 1,
  data: z.object({ ...reservation, status: z.literal('REQUESTED') }),
});

/** Inventory holds a copy: the reservation stands (the customer is told). */
export const ReservationConfirmed = defineEvent({
  context: 'rental',
  name: 'reservation-confirmed',
  version: 1,
  data: z.object({ ...reservation, status: z.literal('RESERVED'), confirmedAt: z.iso.datetime() }),
});

/** No copy was left. */
export const ReservationFailed = defineEvent({
  context: 'rental',
  name: 'reservation-failed',
  version: 1,
  data: z.object({ ...reservation, status: z.literal('FAILED'), reason: z.string().min(1), failedAt: z.iso.datetime() }),
});

/** The customer cancelled; inventory puts the copy back if it held one (the customer is told). */
export const ReservationCancelled = defineEvent({
  context: 'rental',
  name: 'reservation-cancelled',
  version: 1,
  data: z.object({
    ...reservation,
    status: z.literal('CANCELLED'),
    previousStatus: z.enum(RESERVATION_STATUSES),
    cancelledAt: z.iso.datetime(),
  }),
});
