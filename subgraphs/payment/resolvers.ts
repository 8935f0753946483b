import DataLoader from 'dataloader';
import type { Payment, PaymentDb } from './db';

export interface PaymentContext {
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
      payment: async (_: unknown, args: { id: string }) => toGraphQL(await db.payment.findUnique({ where: { id: args.id } })),
    },
    Payment: {
      __resolveReference: async (ref: { id: string }) => toGraphQL(await db.payment.findUnique({ where: { id: ref.id } })),
    },
    Order: {
      payment: async (order: { id: string }, _: unknown, ctx: PaymentContext) => toGraphQL(await ctx.paymentByOrder.load(order.id)),
    },
  };
}
