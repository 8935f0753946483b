import { policy } from '../../platform/consumer';
import { ProductAdded } from '../catalog/contracts';
import { DeliveryAccepted } from '../delivery/contracts';
import type { OrderingTx } from './db';
import { changeStatus } from './orders';

/** Keep ordering's copy of the catalog (names, prices, stores) from catalog events. */
export const rememberProducts = policy<OrderingTx, typeof ProductAdded>({
  name: 'catalog-products',
  event: ProductAdded,
  async handle(tx, p) {
    const fields = { storeId: p.storeId, name: p.name, price: p.price };
    await tx.catalogProduct.upsert({ where: { id: p.productId }, create: { id: p.productId, ...fields }, update: fields });
  },
});

/** The store accepted the order: it is CONFIRMED. */
export const confirmOnDeliveryAccepted = policy<OrderingTx, typeof DeliveryAccepted>({
  name: 'delivery-accepted',
  event: DeliveryAccepted,
  async handle(tx, d, env) {
    await changeStatus(tx, d.orderId, 'CONFIRMED', env.id);
  },
});
