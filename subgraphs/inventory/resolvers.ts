import type { IdempotencyContext } from '../../platform/idempotency';
import DataLoader from 'dataloader';
import { requireActor, requireRole, type AuthContext } from '../../platform/auth';
import type { InventoryDb, StockMovement } from './db';
import { receiveStock, stockLevels, type StockLevel } from './stock';

export interface InventoryContext extends AuthContext, IdempotencyContext {
  stockByProduct: DataLoader<string, StockLevel | null>;
}

/** Per request: a list of products resolves its stock in one query, not one per product. */
export const inventoryContext = (db: InventoryDb): InventoryContext => ({
  stockByProduct: new DataLoader((ids) => stockLevels(db, ids)),
});

/** Who may receive stock and read its movements. */
const STOCK_KEEPERS = ['stock-manager', 'admin'] as const;

const stockToGraphQL = (s: StockLevel | null) => s && { ...s, updatedAt: s.updatedAt?.toISOString() ?? null };
const movementToGraphQL = (m: StockMovement) => ({ ...m, handledBy: m.instanceId, at: m.createdAt.toISOString() });

export function inventoryResolvers(db: InventoryDb, deps: { instanceId: string; onCommit: () => void }) {
  return {
    Query: {
      // Any signed-in actor.
      stock: async (_: unknown, args: { productId: string }, ctx: InventoryContext) => {
        requireActor(ctx);
        return stockToGraphQL(await ctx.stockByProduct.load(args.productId));
      },
      // Stock managers and admins: who moved the stock is back-office information.
      stockMovements: async (_: unknown, args: { productId: string; last?: number | null }, ctx: InventoryContext) => {
        requireRole(ctx, ...STOCK_KEEPERS);
        return (
          await db.stockMovement.findMany({
            where: { productId: args.productId },
            orderBy: [{ version: 'desc' }, { createdAt: 'desc' }],
            take: Math.min(Math.max(args.last ?? 50, 0), 200),
          })
        ).map(movementToGraphQL);
      },
    },
    Mutation: {
      receiveStock: async (_: unknown, args: { productId: string; qty: number }, ctx: InventoryContext) => {
        const actor = requireRole(ctx, ...STOCK_KEEPERS);
        const level = await receiveStock(db, args, deps.instanceId, { actor, idempotencyKey: ctx.idempotencyKey });
        deps.onCommit();
        return stockToGraphQL(level);
      },
    },
    Product: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      stock: async (p: { id: string }, _: unknown, ctx: InventoryContext) => stockToGraphQL(await ctx.stockByProduct.load(p.id)),
    },
  };
}
