import type { MypageDb, OrderView, ReservationView, StockItem } from './db';

const toGraphQL = (v: OrderView | null) =>
  v && { ...v, price: v.unitPrice, placedAt: v.placedAt.toISOString(), updatedAt: v.updatedAt.toISOString() };

const stockItemToGraphQL = (s: StockItem) => ({ ...s, updatedAt: s.updatedAt.toISOString() });

const reservationToGraphQL = (r: ReservationView) => ({ ...r, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

export function mypageResolvers(db: MypageDb) {
  return {
    Query: {
      myOrders: async (_: unknown, args: { customerId: string }) =>
        (await db.orderView.findMany({ where: { customerId: args.customerId }, orderBy: { placedAt: 'desc' }, take: 200 })).map(toGraphQL),
      orderView: async (_: unknown, args: { orderId: string }) => toGraphQL(await db.orderView.findUnique({ where: { orderId: args.orderId } })),
      // Products inventory has stocked; a line shows once its title has arrived too.
      stockList: async (_: unknown, args: { storeId?: string | null; inStockOnly?: boolean | null }) =>
        (
          await db.stockItem.findMany({
            where: {
              title: { not: null },
              stockVersion: { gt: 0 },
              ...(args.storeId ? { storeId: args.storeId } : {}),
              ...(args.inStockOnly ? { available: { gt: 0 } } : {}),
            },
            orderBy: [{ title: 'asc' }, { productId: 'asc' }],
            take: 500,
          })
        ).map(stockItemToGraphQL),
      myReservations: async (_: unknown, args: { customerId: string }) =>
        (await db.reservationView.findMany({ where: { customerId: args.customerId }, orderBy: { requestedAt: 'desc' }, take: 200 })).map(reservationToGraphQL),
    },
    OrderView: {
      __resolveReference: async (ref: { orderId: string }) => toGraphQL(await db.orderView.findUnique({ where: { orderId: ref.orderId } })),
    },
    StockItem: {
      product: (s: StockItem) => ({ id: s.productId }),
    },
  };
}
