import { requireAccess, requireActor, type AuthContext } from '../../platform/auth';
import DataLoader from 'dataloader';
import type { Payment, PaymentDb } from './db';
import { UNKNOWN_CUSTOMER } from './payments';
import type { Resolvers } from './generated/resolvers-types';

/** Per request: the loader, and the actor the platform adds (platform/service.ts). */
export interface PaymentContext extends AuthContext {
  paymentByOrder: DataLoader<string, Payment | null>;
}

export const paymentContext = (db: PaymentDb): PaymentContext => ({
  paymentByOrder: new DataLoader(async (orderIds) => {
    const rows = await db.payment.findMany({ where: { orderId: { in: [...orderIds] } } });
    return orderIds.map((id) => rows.find((r) => r.orderId === id) ?? null);
  }),
});

const toGraphQL = (p: Payment | null) => p && { ...p, createdAt: p.createdAt.toISOString(), refundedAt: p.refundedAt?.toISOString() ?? null };

export function paymentResolvers(db: PaymentDb) {
  return {
    Query: {
      /**
       * An admin, or the paying customer. Payment knows the customer of every charge it made
       * (a tombstone left by a void or a cancellation of an order it never charged may not:
       * those are admin only); it does not know the store, so store staff read a payment
       * through its order (`order { payment }`).
       */
      payment: async (_, args, ctx) => {
        requireActor(ctx);
        const p = await db.payment.findUnique({ where: { id: args.id } });
        if (!p) return null;
        requireAccess(ctx, { customerId: p.customerId === UNKNOWN_CUSTOMER ? null : p.customerId }, `payment ${args.id}`);
        return toGraphQL(p);
      },
    },
    Payment: {
      __resolveReference: async (ref) => toGraphQL(await db.payment.findUnique({ where: { id: ref.id } })),
    },
    Order: {
      payment: async (order, _, ctx) => toGraphQL(await ctx.paymentByOrder.load(order.id!)),
    },
  } satisfies Resolvers<PaymentContext>;
}
