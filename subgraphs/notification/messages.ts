import type { NotificationTx } from './db';
import { messageText, reservationMessageText, type MessageChannel, type MessageSubject } from './rules';
import { newId } from '../../platform/ids';

/** One change of an order's or a reservation's status, as its producer's event tells it. */
export interface StatusChange {
  subjectKind: MessageSubject;
  /** The order id or the reservation id. */
  subjectId: string;
  customerId: string;
  status: string;
  /** The subject's version after the change: (kind, id, version) names the change. */
  subjectVersion: number;
  /** What the customer reads. */
  text: string;
  /** The event that told it. */
  eventId: string;
}

/** A change of an order's status (ordering's OrderPlaced and OrderStatusChanged). */
export const orderChange = (o: { orderId: string; customerId: string; status: string; version: number }, eventId: string): StatusChange => ({
  subjectKind: 'ORDER',
  subjectId: o.orderId,
  customerId: o.customerId,
  status: o.status,
  subjectVersion: o.version,
  text: messageText(o),
  eventId,
});

/** A reservation's outcome (rental's ReservationConfirmed, ReservationFailed, ReservationCancelled). */
export const reservationChange = (
  r: { reservationId: string; customerId: string; status: string; version: number; title: string; reason?: string },
  eventId: string,
): StatusChange => ({
  subjectKind: 'RESERVATION',
  subjectId: r.reservationId,
  customerId: r.customerId,
  status: r.status,
  subjectVersion: r.version,
  text: reservationMessageText(r),
  eventId,
});

/**
 * Records the message for a status change as PENDING on every channel, in the event
 * handler's transaction. Nothing is sent here: the sender sends after the commit, so a
 * slow channel never holds a transaction, and a message recorded is never lost.
 * Idempotent per (subject, version, channel): the same change told twice (a republished
 * event with a new id) records nothing new (ON CONFLICT on that unique key DO NOTHING).
 *
 * One INSERT for all channels (rows from a bound JSON array): a Prisma upsert per channel
 * cost a read and a write each. Times are bound JS Dates, stored as the generated client
 * stores them (ISO-8601 text; platform/sql-dialect.ts), never the column default.
 */
export async function recordMessages(tx: NotificationTx, channels: readonly MessageChannel[], change: StatusChange): Promise<void> {
  if (channels.length === 0) return;
  const now = new Date();
  const rows = JSON.stringify(channels.map((channel) => ({ id: newId(), channel })));
  await tx.$executeRaw`
    INSERT INTO "Message" ("id", "subjectKind", "subjectId", "customerId", "status", "subjectVersion", "text", "channel",
      "deliveryStatus", "attempts", "nextAttemptAt", "eventId", "createdAt", "updatedAt")
    SELECT r.value ->> '$.id', ${change.subjectKind}, ${change.subjectId}, ${change.customerId}, ${change.status}, ${change.subjectVersion}, ${change.text},
      r.value ->> '$.channel', 'PENDING', 0, ${now}, ${change.eventId}, ${now}, ${now}
    FROM json_each(${rows}) AS r WHERE true
    ON CONFLICT ("subjectKind", "subjectId", "subjectVersion", "channel") DO NOTHING`;
}

/** What another context asks notification to tell a customer (`POST /internal/messages`). */
export interface MessageRequest {
  customerId: string;
  text: string;
  /** The caller's business case (e.g. a mission id): the message's subject, and the correlation id of its events. */
  correlationId: string;
  /** The asking context, e.g. `rewards`. */
  source: string;
}

/**
 * A requested message, told like a status change: subject REQUEST, status REQUESTED, version 1,
 * so the same request made twice (a caller's retry) records nothing new.
 */
export const requestedMessage = (r: MessageRequest): StatusChange => ({
  subjectKind: 'REQUEST',
  subjectId: r.correlationId,
  customerId: r.customerId,
  status: 'REQUESTED',
  subjectVersion: 1,
  text: r.text,
  // No event asked for it: the request, named by its caller, is its cause.
  eventId: `${r.source}:${r.correlationId}`,
});
