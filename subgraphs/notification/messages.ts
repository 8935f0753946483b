import { randomUUID } from 'node:crypto';
import type { NotificationTx } from './db';
import { messageText, type MessageChannel } from './rules';

/** One change of an order's status, as the ordering events tell it. */
export interface StatusChange {
  orderId: string;
  customerId: string;
  status: string;
  /** The order's version after the change: (orderId, version) names the change. */
  orderVersion: number;
  /** The event that told it. */
  eventId: string;
}

/**
 * Records the message for a status change as PENDING on every channel, in the event
 * handler's transaction. Nothing is sent here: the sender sends after the commit, so a
 * slow channel never holds a transaction, and a message recorded is never lost.
 * Idempotent per (order, version, channel): the same change told twice (a republished
 * event with a new id) records nothing new.
 */
export async function recordMessages(tx: NotificationTx, channels: readonly MessageChannel[], change: StatusChange): Promise<void> {
  const text = messageText(change);
  const now = new Date();
  for (const channel of channels) {
    await tx.message.upsert({
      where: { orderId_orderVersion_channel: { orderId: change.orderId, orderVersion: change.orderVersion, channel } },
      create: {
        id: randomUUID(),
        orderId: change.orderId,
        customerId: change.customerId,
        status: change.status,
        orderVersion: change.orderVersion,
        text,
        channel,
        deliveryStatus: 'PENDING',
        nextAttemptAt: now,
        eventId: change.eventId,
      },
      update: {},
    });
  }
}
