import { policy } from '../../platform/consumer';
import { ProductAdded } from '../catalog/contracts';
import { ReservationCancelled, ReservationRequested } from '../rental/contracts';
import type { InventoryTx } from './db';
import { releaseHeld, reserveOne } from './stock';

/** Keep inventory's list of known products from catalog events (stock is received only for those). */
export const rememberProducts = policy<InventoryTx, typeof ProductAdded>({
  name: 'catalog-products',
  event: ProductAdded,
  // A replica set's new shared database still learns the whole catalog (README: two inventory replicas).
  replayIntoNewDatabase: true,
  async handle(tx, p) {
    // The store's kind decides what the product may be used for (catalog's isRentable / isStocked).
    const fields = { storeId: p.storeId, name: p.name, storeKind: p.storeKind ?? null };
    await tx.catalogProduct.upsert({ where: { id: p.productId }, create: { id: p.productId, ...fields }, update: fields });
  },
});

/**
 * The policies that move stock record which process handled them (INSTANCE_ID), so replicas' shares of the work are visible.
 * Both are ordered per product, not per reservation: every one of them locks the product's stock row, and a consumer
 * handles several messages in one transaction (platform/consumer.ts), so two batches of one consumer holding different
 * products' rows never wait on each other (no deadlock between batches). A reservation's events share its product, so
 * they still keep their stream order.
 */
export function stockPolicies(instanceId: string) {
  /** A reservation was requested: hold one copy, or say there is none. */
  const reserveOnRequest = policy<InventoryTx, typeof ReservationRequested>({
    name: 'reservation-requested',
    event: ReservationRequested,
    orderingKey: (r) => `product:${r.productId}`,
    async handle(tx, r, env) {
      await reserveOne(tx, r, { instanceId, causationId: env.id });
    },
  });

  /** A reservation was cancelled: put its copy back, if one is held. */
  const releaseOnCancel = policy<InventoryTx, typeof ReservationCancelled>({
    name: 'reservation-cancelled',
    event: ReservationCancelled,
    orderingKey: (c) => `product:${c.productId}`,
    async handle(tx, c, env) {
      await releaseHeld(tx, c, { instanceId, causationId: env.id });
    },
  });

  return { reserveOnRequest, releaseOnCancel };
}
