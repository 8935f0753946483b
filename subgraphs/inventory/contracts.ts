import { z } from 'zod';
import { defineEvent } from '../../platform/events';

/**
 * Events inventory publishes. Every one carries the product's stock after the fact
 * (onHand, reserved, available) and its stock version, so a read model shows the count
 * without calling back and applies only newer versions (events may arrive out of order).
 */
const level = {
  productId: z.string().min(1),
  onHand: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  available: z.number().int().nonnegative(),
  /** The product's stock version after this event; 0 when inventory never held any copy of it. */
  version: z.number().int().nonnegative(),
};

const forReservation = {
  reservationId: z.string().min(1),
  customerId: z.string().min(1),
};

/** A stock manager recorded incoming copies. */
export const StockReceived = defineEvent({
  context: 'inventory',
  name: 'stock-received',
  version: 1,
  data: z.object({ ...level, qty: z.number().int().positive(), receivedAt: z.iso.datetime() }),
});

/** One copy is held for the reservation. */
export const StockReserved = defineEvent({
  context: 'inventory',
  name: 'stock-reserved',
  version: 1,
  data: z.object({ ...level, ...forReservation, reservedAt: z.iso.datetime() }),
});

export const STOCK_FAILURE_REASONS = ['OUT_OF_STOCK'] as const;

/** No copy could be held for the reservation; the counts are unchanged. */
export const StockReservationFailed = defineEvent({
  context: 'inventory',
  name: 'stock-reservation-failed',
  version: 1,
  data: z.object({ ...level, ...forReservation, reason: z.enum(STOCK_FAILURE_REASONS), failedAt: z.iso.datetime() }),
});

/** The reservation's copy is back in stock (the reservation was cancelled). */
export const StockReleased = defineEvent({
  context: 'inventory',
  name: 'stock-released',
  version: 1,
  data: z.object({ ...level, ...forReservation, releasedAt: z.iso.datetime() }),
});
