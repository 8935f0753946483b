import { requireAccess, requireActor, requireCustomer, type AuthContext } from '../../platform/auth';
import { paginate, type SortKey } from '../../platform/pagination';
import type { MypageDb, OrderView, ReservationView, StockItem } from './db';
import type { QueryStockListArgs, Resolvers } from './generated/resolvers-types';

const toGraphQL = (v: OrderView) => ({ ...v, price: v.unitPrice, placedAt: v.placedAt.toISOString(), updatedAt: v.updatedAt.toISOString() });

const stockItemToGraphQL = (s: StockItem) => ({ ...s, title: s.title ?? '', updatedAt: s.updatedAt.toISOString() });

const reservationToGraphQL = (r: ReservationView) => ({ ...r, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

/** Total orders of the lists (the connections' keyset keys): the old lists' order, the row id last. */
const NEWEST_ORDERS: SortKey[] = [
  { field: 'placedAt', direction: 'desc', kind: 'date' },
  { field: 'orderId', direction: 'desc', kind: 'string' },
];
const BY_TITLE: SortKey[] = [
  { field: 'title', direction: 'asc', kind: 'string' },
  { field: 'productId', direction: 'asc', kind: 'string' },
];
const NEWEST_RESERVATIONS: SortKey[] = [
  { field: 'requestedAt', direction: 'desc', kind: 'date' },
  { field: 'reservationId', direction: 'desc', kind: 'string' },
];

/** The stock list's filter: products inventory has stocked whose title has arrived too. */
const stockListWhere = (args: QueryStockListArgs) => ({
  title: { not: null },
  stockVersion: { gt: 0 },
  ...(args.storeId ? { storeId: args.storeId } : {}),
  ...(args.inStockOnly ? { available: { gt: 0 } } : {}),
});

export function mypageResolvers(db: MypageDb) {
  return {
    Query: {
      // The signed-in customer's own: the id comes from the token, never from an argument.
      myOrders: async (_, _args, ctx) => {
        const customerId = requireCustomer(ctx);
        return (await db.orderView.findMany({ where: { customerId }, orderBy: { placedAt: 'desc' }, take: 200 })).map(toGraphQL);
      },
      myOrdersConnection: async (_, args, ctx) => {
        const customerId = requireCustomer(ctx);
        return paginate({ args, keys: NEWEST_ORDERS, where: { customerId }, fetch: (q) => db.orderView.findMany(q), toNode: toGraphQL });
      },
      // Its customer, staff of its store or an admin; unknown: null.
      orderView: async (_, args, ctx) => {
        requireActor(ctx);
        const v = await db.orderView.findUnique({ where: { orderId: args.orderId } });
        if (!v) return null;
        requireAccess(ctx, v, `order ${args.orderId}`);
        return toGraphQL(v);
      },
      // Products inventory has stocked; a line shows once its title has arrived too. Any signed-in actor.
      stockList: async (_, args, ctx) => {
        requireActor(ctx);
        return (await db.stockItem.findMany({ where: stockListWhere(args), orderBy: [{ title: 'asc' }, { productId: 'asc' }], take: 500 })).map(stockItemToGraphQL);
      },
      stockListConnection: async (_, args, ctx) => {
        requireActor(ctx);
        return paginate({ args, keys: BY_TITLE, where: stockListWhere(args), fetch: (q) => db.stockItem.findMany(q), toNode: stockItemToGraphQL });
      },
      myReservations: async (_, _args, ctx) => {
        const customerId = requireCustomer(ctx);
        return (await db.reservationView.findMany({ where: { customerId }, orderBy: { requestedAt: 'desc' }, take: 200 })).map(reservationToGraphQL);
      },
      myReservationsConnection: async (_, args, ctx) => {
        const customerId = requireCustomer(ctx);
        return paginate({ args, keys: NEWEST_RESERVATIONS, where: { customerId }, fetch: (q) => db.reservationView.findMany(q), toNode: reservationToGraphQL });
      },
    },
    OrderView: {
      __resolveReference: async (ref) => {
        const v = await db.orderView.findUnique({ where: { orderId: ref.orderId } });
        return v && toGraphQL(v);
      },
    },
    StockItem: {
      product: (s) => ({ id: s.productId! }),
    },
  } satisfies Resolvers<AuthContext>;
}
