import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { MESSAGE_CHANNELS } from './rules';

/**
 * Events notification publishes. A message is about an order (`orderId`), a reservation
 * (`reservationId`) or another context's request (`requestId`, the caller's correlation id):
 * exactly one of them is set, and it is the event's correlation id.
 * (orderId was required before reservations had messages; no consumer read it yet.)
 */

const message = {
  messageId: z.string().min(1),
  orderId: z.string().min(1).optional(),
  reservationId: z.string().min(1).optional(),
  requestId: z.string().min(1).optional(),
  customerId: z.string().min(1),
  /** The order's or reservation's status the message told. */
  status: z.string().min(1),
  channel: z.enum(MESSAGE_CHANNELS),
  /** Sends it took (1 when the first one succeeded). */
  attempts: z.number().int().positive(),
};

const oneSubject = (m: { orderId?: string; reservationId?: string; requestId?: string }) =>
  [m.orderId, m.reservationId, m.requestId].filter((id) => id !== undefined).length === 1;
const oneSubjectIssue = { message: 'exactly one of orderId, reservationId and requestId', path: ['orderId'] };

/** A channel accepted a message for the customer. */
export const MessageSent = defineEvent({
  context: 'notification',
  name: 'message-sent',
  version: 1,
  data: z.object({ ...message, sentAt: z.iso.datetime() }).refine(oneSubject, oneSubjectIssue),
});

/** A message could not be delivered on its channel: every attempt failed and notification gave up. */
export const MessageFailed = defineEvent({
  context: 'notification',
  name: 'message-failed',
  version: 1,
  data: z.object({ ...message, error: z.string().min(1), failedAt: z.iso.datetime() }).refine(oneSubject, oneSubjectIssue),
});
