import { policy } from '../../platform/consumer';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import type { MypageTx } from './db';

export const addPlacedOrder = policy<MypageTx, typeof OrderPlaced>({
  name: 'order-placed',
  event: OrderPlaced,
  async handle(tx, o) {
    await tx.orderView.upsert({
      where: { orderId: o.orderId },
      create: {
        orderId: o.orderId,
        customerId: o.customerId,
        productId: o.productId,
        item: o.productName,
        qty: o.qty,
        unitPrice: o.unitPrice,
        amount: o.amount,
        storeId: o.storeId,
        paymentId: o.paymentId,
        status: o.status,
        version: o.version,
        placedAt: new Date(o.placedAt),
      },
      // A status change may have been applied first (events of two subjects race); keep the newer status.
      update: { paymentId: o.paymentId },
    });
  },
});

/** Applies a status change only if it is newer than what the view shows (events may arrive out of order). */
export const followStatus = policy<MypageTx, typeof OrderStatusChanged>({
  name: 'order-status-changed',
  event: OrderStatusChanged,
  async handle(tx, s) {
    const { count } = await tx.orderView.updateMany({ where: { orderId: s.orderId, version: { lt: s.version } }, data: { status: s.status, version: s.version } });
    if (count === 0 && !(await tx.orderView.findUnique({ where: { orderId: s.orderId }, select: { orderId: true } }))) {
      // OrderPlaced has not arrived yet: fail so the message is redelivered after a delay.
      throw new Error(`order ${s.orderId} not in the view yet`);
    }
  },
});
