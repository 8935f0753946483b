import { requireAccess, requireActor, requireCustomer, requireRole, type AuthContext } from '../../platform/auth';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { IdempotencyContext } from '../../platform/idempotency';
import type { Order, OrderingDb } from './db';
import { cancelOrder } from './cancellation';
import { placeOrder, type OrderingDeps } from './orders';

const toGraphQL = (o: Order) => ({ ...o, item: o.productName, createdAt: o.createdAt.toISOString(), updatedAt: o.updatedAt.toISOString() });

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
      order: async (_: unknown, args: { id: string }, ctx: AuthContext) => {
        requireActor(ctx);
        const o = await db.order.findUnique({ where: { id: args.id } });
        if (!o) return null;
        requireAccess(ctx, { customerId: o.customerId, storeId: o.storeId }, `order ${args.id}`);
        return toGraphQL(o);
      },
      /** Admin only (a customer reads their own orders from mypage's myOrders). */
      ordersByCustomer: async (_: unknown, args: { customerId: string }, ctx: AuthContext) => {
        requireRole(ctx, 'admin');
        return (await db.order.findMany({ where: { customerId: args.customerId }, orderBy: { createdAt: 'desc' }, take: 200 })).map(toGraphQL);
      },
    },
    Mutation: {
      /** A customer, for themselves. */
      placeOrder: async (_: unknown, args: { input: unknown }, ctx: AuthContext & IdempotencyContext) =>
        toGraphQL(await placeOrder(deps, { customerId: requireCustomer(ctx), idempotencyKey: ctx.idempotencyKey }, args.input)),
      /** The order's customer or an admin. */
      cancelOrder: async (_: unknown, args: { orderId: string; reason?: string | null }, ctx: AuthContext) => {
        requireRole(ctx, 'customer', 'admin');
        return toGraphQL(await cancelOrder(deps, args, (o) => requireAccess(ctx, { customerId: o.customerId }, `order ${o.id}`)));
      },
    },
    Order: {
      __resolveReference: async (ref: { id: string }) => {
        const o = await db.order.findUnique({ where: { id: ref.id } });
        if (!o) throw new DomainError(ErrorCode.ORDER_NOT_FOUND, `No order ${ref.id}.`, { orderId: ref.id });
        return toGraphQL(o);
      },
      product: (o: Order) => ({ id: o.productId }),
    },
  };
}
