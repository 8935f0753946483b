import { z } from 'zod';
import { defineEvent } from '../../platform/events';

/** The kinds of store the catalog knows (its StoreKind). */
export const STORE_KINDS = ['BAKERY', 'PIZZERIA', 'BOOKSTORE', 'LIBRARY'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Events the catalog publishes. Consumers import these schemas and validate against them. */
export const ProductAdded = defineEvent({
  context: 'catalog',
  name: 'product-added',
  version: 1,
  data: z.object({
    productId: z.string().min(1),
    storeId: z.string().min(1),
    name: z.string().min(1),
    price: z.number().int().nonnegative(),
    /** The store's kind; added to v1 compatibly (optional): events written before it lack it. */
    storeKind: z.enum(STORE_KINDS).optional(),
  }),
});

/**
 * What a product may be used for, from its store's kind — the catalog's rule, published with
 * its events so consumers decide from their own copies (no sync call). Source: seed 001
 * (SCENARIOS.md "001 bookreservation": a customer reserves one copy of a library book; the
 * inventory manager records incoming books) and the seeds' stores (seed 000 bakery, 002
 * pizzeria, 004 book market sell made-to-order or shipped goods, never counted in stock).
 * So: a product is rentable, and stocked by inventory, iff its store is a LIBRARY.
 * `undefined` (a product announced before events carried the kind) is not judged: accepted as before.
 */
export const isRentable = (storeKind: string | null | undefined): boolean => storeKind == null || storeKind === 'LIBRARY';
export const isStocked = (storeKind: string | null | undefined): boolean => storeKind == null || storeKind === 'LIBRARY';
