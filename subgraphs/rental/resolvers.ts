import type { RentalDb, Reservation } from './db';
import { cancelReservation, requestReservation } from './reservations';

const toGraphQL = (r: Reservation | null) => r && { ...r, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() };

export function rentalResolvers(db: RentalDb, onCommit: () => void) {
  return {
    Query: {
      reservation: async (_: unknown, args: { id: string }) => toGraphQL(await db.reservation.findUnique({ where: { id: args.id } })),
      reservationsByCustomer: async (_: unknown, args: { customerId: string }) =>
        (await db.reservation.findMany({ where: { customerId: args.customerId }, orderBy: { requestedAt: 'desc' }, take: 200 })).map(toGraphQL),
    },
    Mutation: {
      requestReservation: async (_: unknown, args: { input: unknown }) => {
        const r = await requestReservation(db, args.input);
        onCommit();
        return toGraphQL(r);
      },
      cancelReservation: async (_: unknown, args: { id: string }) => {
        const r = await cancelReservation(db, args.id);
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
