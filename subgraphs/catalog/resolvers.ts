import DataLoader from 'dataloader';
import { requireActor, type AuthContext } from '../../platform/auth';
import type { CatalogDb, Product, Store } from './db';

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

export function catalogResolvers(db: CatalogDb) {
  return {
    // The catalog is open to every signed-in actor; entities below are reached only under an authorized parent.
    Query: {
      stores: (_: unknown, args: { kind?: Store['kind'] }, ctx: AuthContext) => {
        requireActor(ctx);
        return db.store.findMany({ where: args.kind ? { kind: args.kind } : {}, orderBy: { id: 'asc' } });
      },
      store: (_: unknown, args: { id: string }, ctx: AuthContext) => {
        requireActor(ctx);
        return db.store.findUnique({ where: { id: args.id } });
      },
      product: (_: unknown, args: { id: string }, ctx: AuthContext) => {
        requireActor(ctx);
        return db.product.findUnique({ where: { id: args.id } });
      },
      products: (_: unknown, args: { storeId?: string }, ctx: AuthContext) => {
        requireActor(ctx);
        return db.product.findMany({ where: args.storeId ? { storeId: args.storeId } : {}, orderBy: [{ storeId: 'asc' }, { id: 'asc' }] });
      },
    },
    Store: {
      __resolveReference: (ref: { id: string }, ctx: CatalogContext) => ctx.storeById.load(ref.id),
      products: (store: Store, _: unknown, ctx: CatalogContext) => ctx.productsByStore.load(store.id),
    },
    Product: {
      __resolveReference: (ref: { id: string }) => db.product.findUnique({ where: { id: ref.id } }),
      store: (product: Product, _: unknown, ctx: CatalogContext) => ctx.storeById.load(product.storeId),
    },
  };
}
