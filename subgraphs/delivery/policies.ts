import { randomUUID } from 'node:crypto';
import { policy } from '../../platform/consumer';
import { OrderPlaced } from '../ordering/contracts';
import type { DeliveryTx } from './db';

/** A paid order waits for its store. */
export const openDeliveryOnOrderPlaced = policy<DeliveryTx, typeof OrderPlaced>({
  name: 'order-placed',
  event: OrderPlaced,
  async handle(tx, o) {
    await tx.delivery.upsert({
      where: { orderId: o.orderId },
      create: { id: randomUUID(), orderId: o.orderId, storeId: o.storeId, customerId: o.customerId, item: o.productName, qty: o.qty, status: 'WAITING' },
      update: {},
    });
  },
});
