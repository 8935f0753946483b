import { addToOutbox } from '../../platform/outbox';
import { ProductAdded } from './contracts';
import type { CatalogDb } from './db';

type StoreSeed = { id: string; name: string; kind: 'BAKERY' | 'PIZZERIA' | 'BOOKSTORE' | 'LIBRARY'; products: Array<{ id: string; name: string; price: number }> };

/** The catalog every fresh installation starts with (seed 000's bakery). */
export const catalogSeed: StoreSeed[] = [
  {
    id: 'sunrise-bakery',
    name: 'Sunrise Bakery',
    kind: 'BAKERY',
    products: [
      { id: 'cake', name: 'cake', price: 25000 },
      { id: 'donut', name: 'donut', price: 2000 },
      { id: 'baguette', name: 'baguette', price: 4500 },
    ],
  },
];

/**
 * Idempotent: creates what is missing and announces each new product once
 * (ProductAdded through the outbox, in the same transaction). Running it again adds nothing.
 */
export async function seedCatalog(db: CatalogDb, seed = catalogSeed): Promise<number> {
  let added = 0;
  for (const store of seed) {
    await db.$transaction(async (tx) => {
      await tx.store.upsert({ where: { id: store.id }, create: { id: store.id, name: store.name, kind: store.kind }, update: {} });
      const existing = new Set((await tx.product.findMany({ where: { storeId: store.id }, select: { id: true } })).map((p) => p.id));
      for (const p of store.products.filter((p) => !existing.has(p.id))) {
        await tx.product.create({ data: { ...p, storeId: store.id } });
        await addToOutbox(tx, ProductAdded, { productId: p.id, storeId: store.id, name: p.name, price: p.price }, { correlationId: p.id });
        added++;
      }
    });
  }
  return added;
}
