import { requireAccess, requireCustomer, requireRole, type AuthContext } from '../../platform/auth';
import type { IdempotencyContext } from '../../platform/idempotency';
import { paginate, type SortKey } from '../../platform/pagination';
import type { RentalDb, Reservation } from './db';
import { cancelReservation, requestReservation } from './reservations';
import type { Resolvers } from './generated/resolvers-types';

const toGraphQL = (r: Reservation) => ({ ...r, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() });
/** A Reservation as the resolvers hand it on: its row (so `product` finds `productId`) with ISO times. */
export type ReservationModel = ReturnType<typeof toGraphQL>;

/** reservationsByCustomer's order, the id making it total: the keyset of its connection. */
const NEWEST_FIRST: SortKey[] = [
  { field: 'requestedAt', direction: 'desc', kind: 'date' },
  { field: 'id', direction: 'desc', kind: 'string' },
];

/** A reservation is its customer's; admins may see and cancel any. Other roles are refused before anything is read. */
const OWNER_ROLES = ['customer', 'admin'] as const;

export function rentalResolvers(db: RentalDb, onCommit: () => void) {
  return {
    Query: {
      reservation: async (_, args, ctx) => {
        requireRole(ctx, ...OWNER_ROLES);
        const r = await db.reservation.findUnique({ where: { id: args.id } });
        if (!r) return null;
        requireAccess(ctx, { customerId: r.customerId }, `reservation ${args.id}`);
        return toGraphQL(r);
      },
      reservationsByCustomer: async (_, args, ctx) => {
        requireRole(ctx, 'admin');
        return (await db.reservation.findMany({ where: { customerId: args.customerId }, orderBy: { requestedAt: 'desc' }, take: 200 })).map(toGraphQL);
      },
      reservationsByCustomerConnection: async (_, args, ctx) => {
        requireRole(ctx, 'admin');
        return paginate({ args, keys: NEWEST_FIRST, where: { customerId: args.customerId }, fetch: (q) => db.reservation.findMany(q), toNode: toGraphQL });
      },
    },
    Mutation: {
      requestReservation: async (_, args, ctx) => {
        // The customer is whoever signed in: the input has no customer id.
        const customerId = requireCustomer(ctx);
        const r = await requestReservation(db, { ...args.input, customerId }, ctx.idempotencyKey);
        onCommit();
        return toGraphQL(r);
      },
      cancelReservation: async (_, args, ctx) => {
        requireRole(ctx, ...OWNER_ROLES);
        const r = await cancelReservation(db, args.id, (owner) => requireAccess(ctx, owner, `reservation ${args.id}`));
        onCommit();
        return toGraphQL(r);
      },
    },
    Reservation: {
      __resolveReference: async (ref) => {
        const r = await db.reservation.findUnique({ where: { id: ref.id } });
        return r && toGraphQL(r);
      },
      product: (r) => ({ id: r.productId }),
    },
  } satisfies Resolvers<AuthContext & IdempotencyContext>;
}
