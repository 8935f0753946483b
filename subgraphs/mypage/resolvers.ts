import type { MypageDb, OrderView } from './db';

const toGraphQL = (v: OrderView | null) =>
  v && { ...v, price: v.unitPrice, placedAt: v.placedAt.toISOString(), updatedAt: v.updatedAt.toISOString() };

export function mypageResolvers(db: MypageDb) {
  return {
    Query: {
      myOrders: async (_: unknown, args: { customerId: string }) =>
        (await db.orderView.findMany({ where: { customerId: args.customerId }, orderBy: { placedAt: 'desc' }, take: 200 })).map(toGraphQL),
      orderView: async (_: unknown, args: { orderId: string }) => toGraphQL(await db.orderView.findUnique({ where: { orderId: args.orderId } })),
    },
    OrderView: {
      __resolveReference: async (ref: { orderId: string }) => toGraphQL(await db.orderView.findUnique({ where: { orderId: ref.orderId } })),
    },
  };
}
