import { policy } from '../../platform/consumer';
import type { EventData } from '../../platform/events';
import { ProductAdded } from '../catalog/contracts';
import { StockReceived, StockReleased, StockReserved } from '../inventory/contracts';
import type { MypageTx } from './db';

/**
 * The public stock list: titles from the catalog's events, counts from inventory's.
 * The two streams race, so a line may get its counts before its title; and stock
 * events of one product may arrive out of order (three subjects, three consumers),
 * so a count is applied only when its stock version is newer than the one shown.
 */

/** A product's title (and store); its counts are left alone. */
export const titleFromCatalog = policy<MypageTx, typeof ProductAdded>({
  name: 'stock-list-products',
  event: ProductAdded,
  async handle(tx, p) {
    await tx.stockItem.upsert({
      where: { productId: p.productId },
      create: { productId: p.productId, title: p.name, storeId: p.storeId },
      update: { title: p.name, storeId: p.storeId },
    });
  },
});

type Level = Pick<EventData<typeof StockReceived>, 'productId' | 'onHand' | 'available' | 'version'>;

/** Shows the level if it is newer than what is shown; one statement, so concurrent consumers cannot interleave. */
export async function applyStockLevel(tx: MypageTx, s: Level): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "StockItem" ("productId", "available", "onHand", "stockVersion") VALUES (${s.productId}, ${s.available}, ${s.onHand}, ${s.version})
    ON CONFLICT ("productId") DO UPDATE SET "available" = EXCLUDED."available", "onHand" = EXCLUDED."onHand", "stockVersion" = EXCLUDED."stockVersion", "updatedAt" = now()
    WHERE "StockItem"."stockVersion" < EXCLUDED."stockVersion"`;
}

export const countOnStockReceived = policy<MypageTx, typeof StockReceived>({
  name: 'stock-received',
  event: StockReceived,
  handle: (tx, s) => applyStockLevel(tx, s),
});

export const countOnStockReserved = policy<MypageTx, typeof StockReserved>({
  name: 'stock-reserved',
  event: StockReserved,
  handle: (tx, s) => applyStockLevel(tx, s),
});

export const countOnStockReleased = policy<MypageTx, typeof StockReleased>({
  name: 'stock-released',
  event: StockReleased,
  handle: (tx, s) => applyStockLevel(tx, s),
});

export const stockListPolicies = [titleFromCatalog, countOnStockReceived, countOnStockReserved, countOnStockReleased];
