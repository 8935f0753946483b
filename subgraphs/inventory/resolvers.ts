import DataLoader from 'dataloader';
import type { InventoryDb, StockMovement } from './db';
import { receiveStock, stockLevels, type StockLevel } from './stock';

export interface InventoryContext {
  stockByProduct: DataLoader<string, StockLevel | null>;
}

/** Per request: a list of products resolves its stock in one query, not one per product. */
export const inventoryContext = (db: InventoryDb): InventoryContext => ({
  stockByProduct: new DataLoader((ids) => stockLevels(db, ids)),
});

const stockToGraphQL = (s: StockLevel | null) => s && { ...s, updatedAt: s.updatedAt?.toISOString() ?? null };
const movementToGraphQL = (m: StockMovement) => ({ ...m, handledBy: m.instanceId, at: m.createdAt.toISOString() });

export function inventoryResolvers(db: InventoryDb, deps: { instanceId: string; onCommit: () => void }) {
  return {
    Query: {
      stock: async (_: unknown, args: { productId: string }, ctx: InventoryContext) => stockToGraphQL(await ctx.stockByProduct.load(args.productId)),
      stockMovements: async (_: unknown, args: { productId: string; last?: number | null }) =>
        (
          await db.stockMovement.findMany({
            where: { productId: args.productId },
            orderBy: [{ version: 'desc' }, { createdAt: 'desc' }],
            take: Math.min(Math.max(args.last ?? 50, 0), 200),
          })
        ).map(movementToGraphQL),
    },
    Mutation: {
      receiveStock: async (_: unknown, args: { productId: string; qty: number }) => {
        const level = await receiveStock(db, args, deps.instanceId);
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
