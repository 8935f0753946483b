import { policy } from '../../platform/consumer';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import type { NotificationTx } from './db';
import { recordMessages } from './messages';
import type { MessageChannel } from './rules';

/**
 * Every change of an order's status becomes a message to its customer on each configured
 * channel. OrderPlaced is the first change (the order became PAID); OrderStatusChanged the
 * others. Each change is told on its own, so the two subjects may arrive in any order.
 */
export function notificationPolicies(channels: readonly MessageChannel[]) {
  const tellOrderPlaced = policy<NotificationTx, typeof OrderPlaced>({
    name: 'order-placed',
    event: OrderPlaced,
    async handle(tx, o, env) {
      await recordMessages(tx, channels, { orderId: o.orderId, customerId: o.customerId, status: o.status, orderVersion: o.version, eventId: env.id });
    },
  });
  const tellStatusChanged = policy<NotificationTx, typeof OrderStatusChanged>({
    name: 'order-status-changed',
    event: OrderStatusChanged,
    async handle(tx, s, env) {
      await recordMessages(tx, channels, { orderId: s.orderId, customerId: s.customerId, status: s.status, orderVersion: s.version, eventId: env.id });
    },
  });
  return [tellOrderPlaced, tellStatusChanged];
}
