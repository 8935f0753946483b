import { requireAccess, requireActor, requireCustomer, requireRole, type AuthContext } from '../../platform/auth';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { IdempotencyContext } from '../../platform/idempotency';
import { paginate, type SortKey } from '../../platform/pagination';
import type { Order, OrderingDb } from './db';
import { cancelOrder } from './cancellation';
import { placeOrder, type OrderingDeps } from './orders';
import type { Resolvers } from './generated/resolvers-types';

const toGraphQL = (o: Order) => ({ ...o, item: o.productName, createdAt: o.createdAt.toISOString(), updatedAt: o.updatedAt.toISOString() });
/** An Order as the resolvers hand it on: its row (so `product` finds `productId`) with GraphQL's field names and ISO times. */
export type OrderModel = ReturnType<typeof toGraphQL>;

/** ordersByCustomer's order, the id making it total: the keyset of its connection. */
const NEWEST_FIRST: SortKey[] = [
  { field: 'createdAt', direction: 'desc', kind: 'date' },
  { field: 'id', direction: 'desc', kind: 'string' },
];

/**
 * Who may do what (see platform/auth.ts): every root field needs an actor; a customer's id
 * comes from the token, never from an argument. Entity references (`_entities`) are reached
 * only under a root field the router already authorized, so they check nothing.
 */
export function orderingResolvers(deps: OrderingDeps) {
  const db: OrderingDb = deps.db;
  return {
    Query: {
      /** Its customer, staff of its store, or an admin; an unknown id is null. */
      order: async (_, args, ctx) => {
        requireActor(ctx);
        const o = await db.order.findUnique({ where: { id: args.id } });
        if (!o) return null;
        requireAccess(ctx, { customerId: o.customerId, storeId: o.storeId }, `order ${args.id}`);
        return toGraphQL(o);
      },
      /** Admin only (a customer reads their own orders from mypage's myOrders). */
      ordersByCustomer: async (_, args, ctx) => {
        requireRole(ctx, 'admin');
        return (await db.order.findMany({ where: { customerId: args.customerId }, orderBy: { createdAt: 'desc' }, take: 200 })).map(toGraphQL);
      },
      /** Admin only, as ordersByCustomer. */
      ordersByCustomerConnection: async (_, args, ctx) => {
        requireRole(ctx, 'admin');
        return paginate({ args, keys: NEWEST_FIRST, where: { customerId: args.customerId }, fetch: (q) => db.order.findMany(q), toNode: toGraphQL });
      },
    },
    Mutation: {
      /** A customer, for themselves. */
      placeOrder: async (_, args, ctx) =>
        toGraphQL(await placeOrder(deps, { customerId: requireCustomer(ctx), idempotencyKey: ctx.idempotencyKey }, args.input)),
      /** The order's customer or an admin. */
      cancelOrder: async (_, args, ctx) => {
        requireRole(ctx, 'customer', 'admin');
        return toGraphQL(await cancelOrder(deps, args, (o) => requireAccess(ctx, { customerId: o.customerId }, `order ${o.id}`)));
      },
    },
    Order: {
      __resolveReference: async (ref) => {
        const o = await db.order.findUnique({ where: { id: ref.id } });
        if (!o) throw new DomainError(ErrorCode.ORDER_NOT_FOUND, `No order ${ref.id}.`, { orderId: ref.id });
        return toGraphQL(o);
      },
      product: (o) => ({ id: o.productId }),
    },
  } satisfies Resolvers<AuthContext & IdempotencyContext>;
}
