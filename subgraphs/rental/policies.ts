import { policy } from '../../platform/consumer';
import { ProductAdded } from '../catalog/contracts';
import { StockReservationFailed, StockReserved } from '../inventory/contracts';
import type { RentalTx } from './db';
import { settleRequest } from './reservations';

/** Keep rental's copy of the catalog (titles) from catalog events: requests are checked against it. */
export const rememberProducts = policy<RentalTx, typeof ProductAdded>({
  name: 'catalog-products',
  event: ProductAdded,
  async handle(tx, p) {
    // The store's kind decides what the product may be used for (catalog's isRentable / isStocked).
    const fields = { storeId: p.storeId, name: p.name, storeKind: p.storeKind ?? null };
    await tx.catalogProduct.upsert({ where: { id: p.productId }, create: { id: p.productId, ...fields }, update: fields });
  },
});

/** Inventory holds a copy: the reservation is RESERVED. */
export const confirmOnStockReserved = policy<RentalTx, typeof StockReserved>({
  name: 'stock-reserved',
  event: StockReserved,
  async handle(tx, s, env) {
    await settleRequest(tx, s.reservationId, { status: 'RESERVED' }, env.id);
  },
});

/** No copy was left: the reservation FAILED, with inventory's reason. */
export const failOnStockReservationFailed = policy<RentalTx, typeof StockReservationFailed>({
  name: 'stock-reservation-failed',
  event: StockReservationFailed,
  async handle(tx, s, env) {
    await settleRequest(tx, s.reservationId, { status: 'FAILED', reason: s.reason }, env.id);
  },
});
