import { policy } from '../../platform/consumer';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import { ReservationCancelled, ReservationConfirmed, ReservationFailed } from '../rental/contracts';
import type { NotificationTx } from './db';
import { orderChange, recordMessages, reservationChange } from './messages';
import type { MessageChannel } from './rules';

/**
 * Every change of an order's status becomes a message to its customer on each configured
 * channel. OrderPlaced is the first change (the order became PAID); OrderStatusChanged the
 * others. Each change is told on its own, so the two subjects may arrive in any order.
 * A reservation's outcome is told the same way: reserved, no copy left, or cancelled (the
 * request itself is not: the customer just made it and has the answer).
 */
export function notificationPolicies(channels: readonly MessageChannel[]) {
  const tellOrderPlaced = policy<NotificationTx, typeof OrderPlaced>({
    name: 'order-placed',
    event: OrderPlaced,
    handle: (tx, o, env) => recordMessages(tx, channels, orderChange(o, env.id)),
  });
  const tellStatusChanged = policy<NotificationTx, typeof OrderStatusChanged>({
    name: 'order-status-changed',
    event: OrderStatusChanged,
    handle: (tx, s, env) => recordMessages(tx, channels, orderChange(s, env.id)),
  });
  const tellReservationConfirmed = policy<NotificationTx, typeof ReservationConfirmed>({
    name: 'reservation-confirmed',
    event: ReservationConfirmed,
    handle: (tx, r, env) => recordMessages(tx, channels, reservationChange(r, env.id)),
  });
  const tellReservationFailed = policy<NotificationTx, typeof ReservationFailed>({
    name: 'reservation-failed',
    event: ReservationFailed,
    handle: (tx, r, env) => recordMessages(tx, channels, reservationChange(r, env.id)),
  });
  const tellReservationCancelled = policy<NotificationTx, typeof ReservationCancelled>({
    name: 'reservation-cancelled',
    event: ReservationCancelled,
    handle: (tx, r, env) => recordMessages(tx, channels, reservationChange(r, env.id)),
  });
  return [tellOrderPlaced, tellStatusChanged, tellReservationConfirmed, tellReservationFailed, tellReservationCancelled];
}
