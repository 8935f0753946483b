import type { IdempotencyContext } from '../../platform/idempotency';
import DataLoader from 'dataloader';
import { requireActor, requireRole, type AuthContext } from '../../platform/auth';
import { paginate, type SortKey } from '../../platform/pagination';
import type { InventoryDb, StockMovement } from './db';
import { receiveStock, stockLevels, type StockLevel } from './stock';
import type { Resolvers } from './generated/resolvers-types';

export interface InventoryContext extends AuthContext, IdempotencyContext {
  stockByProduct: DataLoader<string, StockLevel | null>;
}

/** Per request: a list of products resolves its stock in one query, not one per product. */
export const inventoryContext = (db: InventoryDb): InventoryContext => ({
  stockByProduct: new DataLoader((ids) => stockLevels(db, ids)),
});

/** Who may receive stock and read its movements. */
const STOCK_KEEPERS = ['stock-manager', 'admin'] as const;

const levelToGraphQL = (s: StockLevel) => ({ ...s, updatedAt: s.updatedAt?.toISOString() ?? null });
const stockToGraphQL = (s: StockLevel | null) => s && levelToGraphQL(s);
const movementToGraphQL = (m: StockMovement) => ({ ...m, handledBy: m.instanceId, at: m.createdAt.toISOString() });

/** Newest first, as stockMovements: the stock's version (one per change of a product's stock), then time and id. */
const NEWEST_FIRST: SortKey[] = [
  { field: 'version', direction: 'desc', kind: 'int' },
  { field: 'createdAt', direction: 'desc', kind: 'date' },
  { field: 'id', direction: 'desc', kind: 'string' },
];

export function inventoryResolvers(db: InventoryDb, deps: { instanceId: string; onCommit: () => void }) {
  return {
    Query: {
      // Any signed-in actor.
      stock: async (_, args, ctx) => {
        requireActor(ctx);
        return stockToGraphQL(await ctx.stockByProduct.load(args.productId));
      },
      // Stock managers and admins: who moved the stock is back-office information.
      stockMovements: async (_, args, ctx) => {
        requireRole(ctx, ...STOCK_KEEPERS);
        return (
          await db.stockMovement.findMany({
            where: { productId: args.productId },
            orderBy: [{ version: 'desc' }, { createdAt: 'desc' }],
            take: Math.min(Math.max(args.last ?? 50, 0), 200),
          })
        ).map(movementToGraphQL);
      },
      stockMovementsConnection: async (_, args, ctx) => {
        requireRole(ctx, ...STOCK_KEEPERS);
        return paginate({ args, keys: NEWEST_FIRST, where: { productId: args.productId }, fetch: (q) => db.stockMovement.findMany(q), toNode: movementToGraphQL });
      },
    },
    Mutation: {
      receiveStock: async (_, args, ctx) => {
        const actor = requireRole(ctx, ...STOCK_KEEPERS);
        const level = await receiveStock(db, args, deps.instanceId, { actor, idempotencyKey: ctx.idempotencyKey });
        deps.onCommit();
        return levelToGraphQL(level);
      },
    },
    Product: {
      __resolveReference: (ref) => ({ id: ref.id }),
      stock: async (p, _, ctx) => stockToGraphQL(await ctx.stockByProduct.load(p.id!)),
    },
  } satisfies Resolvers<InventoryContext>;
}
