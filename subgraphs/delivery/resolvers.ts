import DataLoader from 'dataloader';
import type { Delivery, DeliveryDb } from './db';
import { acceptOrder, completeDelivery, isKnown, startDelivery, startProduction } from './deliveries';
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

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A row that only records a cancellation which arrived before its order is not a delivery yet: null. */
const toGraphQL = (d: Delivery | null) =>
  isKnown(d)
    ? {
        ...d,
        acceptedAt: iso(d.acceptedAt),
        productionStartedAt: iso(d.productionStartedAt),
        shippedAt: iso(d.shippedAt),
        deliveredAt: iso(d.deliveredAt),
        cancelRequestedAt: iso(d.cancelRequestedAt),
        cancelledAt: iso(d.cancelledAt),
        createdAt: d.createdAt.toISOString(),
        updatedAt: d.updatedAt.toISOString(),
      }
    : null;

export function deliveryResolvers(db: DeliveryDb, onCommit: () => void) {
  /** A step mutation: run it, wake the outbox relay for its event, answer the delivery. */
  const step = (fn: (db: DeliveryDb, orderId: string) => Promise<Delivery>) => async (_: unknown, args: { orderId: string }) => {
    const d = await fn(db, args.orderId);
    onCommit();
    return toGraphQL(d);
  };
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
      acceptOrder: step(acceptOrder),
      startProduction: step(startProduction),
      startDelivery: step(startDelivery),
      completeDelivery: step(completeDelivery),
    },
    Delivery: {
      __resolveReference: async (ref: { id: string }) => toGraphQL(await db.delivery.findUnique({ where: { id: ref.id } })),
    },
    Order: {
      delivery: async (order: { id: string }, _: unknown, ctx: DeliveryContext) => toGraphQL(await ctx.deliveryByOrder.load(order.id)),
    },
  };
}
