import DataLoader from 'dataloader';
import { requireActor, type AuthContext } from '../../platform/auth';
import { paginate, type SortKey } from '../../platform/pagination';
import type { CatalogDb, Product, Store } from './db';
import type { Resolvers } from './generated/resolvers-types';

/** Per request: the loaders below, and the actor the platform adds. */
export interface CatalogContext extends AuthContext {
  storeById: DataLoader<string, Store | null>;
  productsByStore: DataLoader<string, Product[]>;
}

/** Per-request loaders: a list of products resolves its stores in one query, not one per product. */
export function catalogContext(db: CatalogDb): CatalogContext {
  return {
    storeById: new DataLoader(async (ids) => {
      const rows = await db.store.findMany({ where: { id: { in: [...ids] } } });
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
    productsByStore: new DataLoader(async (ids) => {
      const rows = await db.product.findMany({ where: { storeId: { in: [...ids] } }, orderBy: { id: 'asc' } });
      return ids.map((id) => rows.filter((r) => r.storeId === id));
    }),
  };
}

/** The connections' orders: the old lists' (stores by id; products by store, then id). */
const STORES_BY_ID: SortKey[] = [{ field: 'id', direction: 'asc', kind: 'string' }];
const PRODUCTS_BY_STORE: SortKey[] = [
  { field: 'storeId', direction: 'asc', kind: 'string' },
  { field: 'id', direction: 'asc', kind: 'string' },
];

export function catalogResolvers(db: CatalogDb) {
  return {
    // The catalog is open to every signed-in actor; entities below are reached only under an authorized parent.
    Query: {
      stores: (_, args, ctx) => {
        requireActor(ctx);
        return db.store.findMany({ where: args.kind ? { kind: args.kind } : {}, orderBy: { id: 'asc' } });
      },
      storesConnection: (_, args, ctx) => {
        requireActor(ctx);
        return paginate({ args, keys: STORES_BY_ID, where: args.kind ? { kind: args.kind } : {}, fetch: (q) => db.store.findMany(q), toNode: (s: Store) => s });
      },
      store: (_, args, ctx) => {
        requireActor(ctx);
        return db.store.findUnique({ where: { id: args.id } });
      },
      product: (_, args, ctx) => {
        requireActor(ctx);
        return db.product.findUnique({ where: { id: args.id } });
      },
      products: (_, args, ctx) => {
        requireActor(ctx);
        return db.product.findMany({ where: args.storeId ? { storeId: args.storeId } : {}, orderBy: [{ storeId: 'asc' }, { id: 'asc' }] });
      },
      productsConnection: (_, args, ctx) => {
        requireActor(ctx);
        const where = args.storeId ? { storeId: args.storeId } : {};
        return paginate({ args, keys: PRODUCTS_BY_STORE, where, fetch: (q) => db.product.findMany(q), toNode: (p: Product) => p });
      },
    },
    Store: {
      __resolveReference: (ref, ctx) => ctx.storeById.load(ref.id),
      products: (store, _, ctx) => ctx.productsByStore.load(store.id!),
    },
    Product: {
      __resolveReference: (ref) => db.product.findUnique({ where: { id: ref.id } }),
      store: async (product, _, ctx) => {
        const store = await ctx.storeById.load(product.storeId);
        if (!store) throw new Error(`product ${product.id}: no store ${product.storeId}`);
        return store;
      },
    },
  } satisfies Resolvers<CatalogContext>;
}
