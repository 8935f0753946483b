import DataLoader from 'dataloader';
import { requireAccess, requireActor, requireRole, requireStaffOf, type AuthContext, type Role } from '../../platform/auth';
import { paginate, type SortKey } from '../../platform/pagination';
import type { Delivery, DeliveryDb } from './db';
import { acceptOrder, completeDelivery, isKnown, startDelivery, startProduction, type Authorize, type KnownDelivery } from './deliveries';
import type { MutationAcceptOrderArgs, Resolvers } from './generated/resolvers-types';

/** Per request: the loader below, and the actor the platform adds. */
export interface DeliveryContext extends AuthContext {
  deliveryByOrder: DataLoader<string, Delivery | null>;
}

export const deliveryContext = (db: DeliveryDb): DeliveryContext => ({
  deliveryByOrder: new DataLoader(async (orderIds) => {
    const rows = await db.delivery.findMany({ where: { orderId: { in: [...orderIds] } } });
    return orderIds.map((id) => rows.find((r) => r.orderId === id) ?? null);
  }),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

const knownToGraphQL = (d: KnownDelivery) => ({
  ...d,
  acceptedAt: iso(d.acceptedAt),
  productionStartedAt: iso(d.productionStartedAt),
  shippedAt: iso(d.shippedAt),
  deliveredAt: iso(d.deliveredAt),
  cancelRequestedAt: iso(d.cancelRequestedAt),
  cancelledAt: iso(d.cancelledAt),
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

/** A row that only records a cancellation which arrived before its order is not a delivery yet: null. */
const toGraphQL = (d: Delivery | null) => (isKnown(d) ? knownToGraphQL(d) : null);

/** A store's work queue, oldest first (deliveriesByStore's order), the id making it total. */
const OLDEST_FIRST: SortKey[] = [
  { field: 'createdAt', direction: 'asc', kind: 'date' },
  { field: 'id', direction: 'asc', kind: 'string' },
];

export function deliveryResolvers(db: DeliveryDb, onCommit: () => void) {
  /**
   * A step mutation: run it, wake the outbox relay for its event, answer the delivery.
   * Who may take it: staff of the delivery's store or an admin, and `alsoRoles` (the courier's
   * steps). Any other role is refused before the delivery is looked up; staff of another store
   * once it is found (FORBIDDEN), before its state is judged.
   */
  const step =
    (fn: (db: DeliveryDb, orderId: string, authorize: Authorize) => Promise<KnownDelivery>, alsoRoles: Role[] = []) =>
    async (_: unknown, args: MutationAcceptOrderArgs, ctx: AuthContext) => {
      requireRole(ctx, 'store-staff', 'admin', ...alsoRoles);
      const d = await fn(db, args.orderId, (found) => requireStaffOf(ctx, found.storeId, alsoRoles));
      onCommit();
      return knownToGraphQL(d);
    };
  return {
    Query: {
      // Its customer, staff of its store, a courier or an admin; unknown: null.
      delivery: async (_, args, ctx) => {
        requireActor(ctx);
        const d = toGraphQL(await db.delivery.findUnique({ where: { id: args.id } }));
        if (d) requireAccess(ctx, { customerId: d.customerId, storeId: d.storeId }, `delivery ${args.id}`, ['courier']);
        return d;
      },
      // Staff of that store, a courier or an admin.
      deliveriesByStore: async (_, args, ctx) => {
        requireStaffOf(ctx, args.storeId, ['courier']);
        return (
          await db.delivery.findMany({
            where: { storeId: args.storeId, ...(args.status ? { status: args.status } : {}) },
            orderBy: { createdAt: 'asc' },
            take: 200,
          })
        )
          .map(toGraphQL)
          .filter((d) => d !== null);
      },
      deliveriesByStoreConnection: async (_, args, ctx) => {
        requireStaffOf(ctx, args.storeId, ['courier']);
        return paginate({
          args,
          keys: OLDEST_FIRST,
          // Known deliveries only (see isKnown): a store's rows always carry their item and qty.
          where: { storeId: args.storeId, item: { not: null }, qty: { not: null }, ...(args.status ? { status: args.status } : {}) },
          fetch: (q) => db.delivery.findMany(q),
          toNode: (d) => knownToGraphQL(d as KnownDelivery),
        });
      },
    },
    Mutation: {
      acceptOrder: step(acceptOrder),
      startProduction: step(startProduction),
      startDelivery: step(startDelivery, ['courier']),
      completeDelivery: step(completeDelivery, ['courier']),
    },
    Delivery: {
      __resolveReference: async (ref) => toGraphQL(await db.delivery.findUnique({ where: { id: ref.id } })),
    },
    Order: {
      delivery: async (order, _, ctx) => toGraphQL(await ctx.deliveryByOrder.load(order.id!)),
    },
  } satisfies Resolvers<DeliveryContext>;
}
