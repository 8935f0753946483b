import { DomainError, ErrorCode } from '../../platform/errors';
import type { Order, OrderingDb } from './db';
import { cancelOrder } from './cancellation';
import { placeOrder, type OrderingDeps } from './orders';

const toGraphQL = (o: Order) => ({ ...o, item: o.productName, createdAt: o.createdAt.toISOString(), updatedAt: o.updatedAt.toISOString() });

export function orderingResolvers(deps: OrderingDeps) {
  const db: OrderingDb = deps.db;
  return {
    Query: {
      order: async (_: unknown, args: { id: string }) => {
        const o = await db.order.findUnique({ where: { id: args.id } });
        return o && toGraphQL(o);
      },
      ordersByCustomer: async (_: unknown, args: { customerId: string }) =>
        (await db.order.findMany({ where: { customerId: args.customerId }, orderBy: { createdAt: 'desc' }, take: 200 })).map(toGraphQL),
    },
    Mutation: {
      placeOrder: async (_: unknown, args: { input: unknown }) => toGraphQL(await placeOrder(deps, args.input)),
      cancelOrder: async (_: unknown, args: { orderId: string; reason?: string | null }) => toGraphQL(await cancelOrder(deps, args)),
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
