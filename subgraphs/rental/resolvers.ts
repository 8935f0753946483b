import { requireAccess, requireCustomer, requireRole, type AuthContext } from '../../platform/auth';
import type { IdempotencyContext } from '../../platform/idempotency';
import type { RentalDb, Reservation } from './db';
import { cancelReservation, requestReservation } from './reservations';

const toGraphQL = (r: Reservation | null) => r && { ...r, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() };

/** A reservation is its customer's; admins may see and cancel any. Other roles are refused before anything is read. */
const OWNER_ROLES = ['customer', 'admin'] as const;

export function rentalResolvers(db: RentalDb, onCommit: () => void) {
  return {
    Query: {
      reservation: async (_: unknown, args: { id: string }, ctx: AuthContext) => {
        requireRole(ctx, ...OWNER_ROLES);
        const r = await db.reservation.findUnique({ where: { id: args.id } });
        if (r) requireAccess(ctx, { customerId: r.customerId }, `reservation ${args.id}`);
        return toGraphQL(r);
      },
      reservationsByCustomer: async (_: unknown, args: { customerId: string }, ctx: AuthContext) => {
        requireRole(ctx, 'admin');
        return (await db.reservation.findMany({ where: { customerId: args.customerId }, orderBy: { requestedAt: 'desc' }, take: 200 })).map(toGraphQL);
      },
    },
    Mutation: {
      requestReservation: async (_: unknown, args: { input: Record<string, unknown> }, ctx: AuthContext & IdempotencyContext) => {
        // The customer is whoever signed in: the input has no customer id.
        const customerId = requireCustomer(ctx);
        const r = await requestReservation(db, { ...args.input, customerId }, ctx.idempotencyKey);
        onCommit();
        return toGraphQL(r);
      },
      cancelReservation: async (_: unknown, args: { id: string }, ctx: AuthContext) => {
        requireRole(ctx, ...OWNER_ROLES);
        const r = await cancelReservation(db, args.id, (owner) => requireAccess(ctx, owner, `reservation ${args.id}`));
        onCommit();
        return toGraphQL(r);
      },
    },
    Reservation: {
      __resolveReference: async (ref: { id: string }) => toGraphQL(await db.reservation.findUnique({ where: { id: ref.id } })),
      product: (r: Reservation) => ({ id: r.productId }),
    },
  };
}
