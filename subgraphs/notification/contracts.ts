import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { MESSAGE_CHANNELS } from './rules';

/** Events notification publishes. */

const message = {
  messageId: z.string().min(1),
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  /** The order status the message told. */
  status: z.string().min(1),
  channel: z.enum(MESSAGE_CHANNELS),
  /** Sends it took (1 when the first one succeeded). */
  attempts: z.number().int().positive(),
};

/** A channel accepted a message for the customer. */
export const MessageSent = defineEvent({
  context: 'notification',
  name: 'message-sent',
  version: 1,
  data: z.object({ ...message, sentAt: z.iso.datetime() }),
});

/** A message could not be delivered on its channel: every attempt failed and notification gave up. */
export const MessageFailed = defineEvent({
  context: 'notification',
  name: 'message-failed',
  version: 1,
  data: z.object({ ...message, error: z.string().min(1), failedAt: z.iso.datetime() }),
});
