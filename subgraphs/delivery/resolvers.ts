import DataLoader from 'dataloader';
import type { Delivery, DeliveryDb } from './db';
import { acceptOrder } from './deliveries';
import type { DeliveryStatus } from './rules';

export interface DeliveryContext {
  deliveryByOrder: DataLoader<string, Delivery | null>;
}

export const deliveryContext = (db: DeliveryDb): DeliveryContext => ({
  deliveryByOrder: new DataLoader(async (orderIds) => {
    const rows = await db.delivery.findMany({ where: { orderId: { in: [...orderIds] } } });
    return orderIds.map((id) => rows.find((r) => r.orderId === id) ?? null);
  }),
});

const toGraphQL = (d: Delivery | null) => d && { ...d, createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString() };

export function deliveryResolvers(db: DeliveryDb, onCommit: () => void) {
  return {
    Query: {
      delivery: async (_: unknown, args: { id: string }) => toGraphQL(await db.delivery.findUnique({ where: { id: args.id } })),
      deliveriesByStore: async (_: unknown, args: { storeId: string; status?: DeliveryStatus }) =>
        (
          await db.delivery.findMany({
            where: { storeId: args.storeId, ...(args.status ? { status: args.status } : {}) },
            orderBy: { createdAt: 'asc' },
            take: 200,
          })
        ).map(toGraphQL),
    },
    Mutation: {
      acceptOrder: async (_: unknown, args: { orderId: string }) => {
        const d = await acceptOrder(db, args.orderId);
        onCommit();
        return toGraphQL(d);
      },
    },
    Delivery: {
      __resolveReference: async (ref: { id: string }) => toGraphQL(await db.delivery.findUnique({ where: { id: ref.id } })),
    },
    Order: {
      delivery: async (order: { id: string }, _: unknown, ctx: DeliveryContext) => toGraphQL(await ctx.deliveryByOrder.load(order.id)),
    },
  };
}
