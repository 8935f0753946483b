import { requireAccess, requireActor, requireCustomer, type AuthContext } from '../../platform/auth';
import type { MypageDb, OrderView, ReservationView, StockItem } from './db';

const toGraphQL = (v: OrderView | null) =>
  v && { ...v, price: v.unitPrice, placedAt: v.placedAt.toISOString(), updatedAt: v.updatedAt.toISOString() };

const stockItemToGraphQL = (s: StockItem) => ({ ...s, updatedAt: s.updatedAt.toISOString() });

const reservationToGraphQL = (r: ReservationView) => ({ ...r, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

export function mypageResolvers(db: MypageDb) {
  return {
    Query: {
      // The signed-in customer's own: the id comes from the token, never from an argument.
      myOrders: async (_: unknown, _args: unknown, ctx: AuthContext) => {
        const customerId = requireCustomer(ctx);
        return (await db.orderView.findMany({ where: { customerId }, orderBy: { placedAt: 'desc' }, take: 200 })).map(toGraphQL);
      },
      // Its customer, staff of its store or an admin; unknown: null.
      orderView: async (_: unknown, args: { orderId: string }, ctx: AuthContext) => {
        requireActor(ctx);
        const v = await db.orderView.findUnique({ where: { orderId: args.orderId } });
        if (v) requireAccess(ctx, v, `order ${args.orderId}`);
        return toGraphQL(v);
      },
      // Products inventory has stocked; a line shows once its title has arrived too. Any signed-in actor.
      stockList: async (_: unknown, args: { storeId?: string | null; inStockOnly?: boolean | null }, ctx: AuthContext) => {
        requireActor(ctx);
        return (
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
        ).map(stockItemToGraphQL);
      },
      myReservations: async (_: unknown, _args: unknown, ctx: AuthContext) => {
        const customerId = requireCustomer(ctx);
        return (await db.reservationView.findMany({ where: { customerId }, orderBy: { requestedAt: 'desc' }, take: 200 })).map(reservationToGraphQL);
      },
    },
    OrderView: {
      __resolveReference: async (ref: { orderId: string }) => toGraphQL(await db.orderView.findUnique({ where: { orderId: ref.orderId } })),
    },
    StockItem: {
      product: (s: StockItem) => ({ id: s.productId }),
    },
  };
}
