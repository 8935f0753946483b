import { addToOutbox } from '../../platform/outbox';
import { ProductAdded } from './contracts';
import type { CatalogDb } from './db';

type StoreSeed = { id: string; name: string; kind: 'BAKERY' | 'PIZZERIA' | 'BOOKSTORE' | 'LIBRARY'; products: Array<{ id: string; name: string; price: number }> };

/** The catalog every fresh installation starts with: the stores of the seeds. */
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
  // Seed 002: the pizzeria's menu options.
  {
    id: 'mario-pizzeria',
    name: "Mario's Pizzeria",
    kind: 'PIZZERIA',
    products: [
      { id: 'pepperoniPizza', name: 'pepperoni pizza', price: 10000 },
      { id: 'cheesePizza', name: 'cheese pizza', price: 9000 },
      { id: 'potatoPizza', name: 'potato pizza', price: 11000 },
      { id: 'bulgogiPizza', name: 'bulgogi pizza', price: 12000 },
    ],
  },
  // Seed 004: books for sale by book id (seed 004 orders book "10").
  {
    id: 'book-market',
    name: 'Book Market',
    kind: 'BOOKSTORE',
    products: [
      { id: 'book-10', name: 'Domain-Driven Design', price: 48000 },
      { id: 'book-101', name: 'Clean Code', price: 33000 },
      { id: 'book-102', name: 'Refactoring', price: 35000 },
    ],
  },
  // Seed 001: rentable books (one copy per reservation; copies are inventory's, received by a stock manager).
  {
    id: 'city-library',
    name: 'City Library',
    kind: 'LIBRARY',
    products: [
      { id: 'book-1984', name: '1984', price: 1000 },
      { id: 'book-dune', name: 'Dune', price: 1000 },
      { id: 'book-hobbit', name: 'The Hobbit', price: 1000 },
      { id: 'book-little-prince', name: 'The Little Prince', price: 1000 },
      { id: 'book-sapiens', name: 'Sapiens', price: 1000 },
      { id: 'book-brave-new-world', name: 'Brave New World', price: 1000 },
    ],
  },
];

/**
 * Idempotent: creates what is missing and announces each new product once
 * (ProductAdded through the outbox, in the same transaction). Running it again adds nothing,
 * also when replicas run it at the same moment (a transaction-scoped advisory lock orders them).
 */
export async function seedCatalog(db: CatalogDb, seed = catalogSeed): Promise<number> {
  let added = 0;
  for (const store of seed) {
    await db.$transaction(async (tx) => {
      // Replicas starting together seed together: one at a time, so the second finds the first's rows (READ COMMITTED).
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707370)`;
      await tx.store.upsert({ where: { id: store.id }, create: { id: store.id, name: store.name, kind: store.kind }, update: {} });
      const existing = new Set((await tx.product.findMany({ where: { storeId: store.id }, select: { id: true } })).map((p) => p.id));
      for (const p of store.products.filter((p) => !existing.has(p.id))) {
        await tx.product.create({ data: { ...p, storeId: store.id } });
        await addToOutbox(tx, ProductAdded, { productId: p.id, storeId: store.id, name: p.name, price: p.price, storeKind: store.kind }, { correlationId: p.id });
        added++;
      }
      // Once per store at start-up: a busy machine (or a replica waiting on the lock) must not fail it at Prisma's 5 s default.
    }, { timeout: 30_000, maxWait: 30_000 });
  }
  return added;
}
