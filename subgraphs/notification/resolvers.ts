import DataLoader from 'dataloader';
import { z } from 'zod';
import { requireAccess, requireCustomer, requireRole, type AuthContext } from '../../platform/auth';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Message, NotificationDb } from './db';
import { subjectRef, type MessageSubject } from './rules';

export interface NotificationContext extends AuthContext {
  messagesByOrder: DataLoader<string, Message[]>;
  messagesByReservation: DataLoader<string, Message[]>;
}

const HISTORY_LIMIT = 500;
const oldestFirst = [{ createdAt: 'asc' as const }, { channel: 'asc' as const }];

/** One query per subject kind for every Order / Reservation in a request (their `messages` from _entities). */
const messagesAbout = (db: NotificationDb, subjectKind: MessageSubject) =>
  new DataLoader<string, Message[]>(async (ids) => {
    const rows = await db.message.findMany({ where: { subjectKind, subjectId: { in: [...ids] } }, orderBy: oldestFirst });
    return ids.map((id) => rows.filter((r) => r.subjectId === id));
  });

export const notificationContext = (db: NotificationDb): NotificationContext => ({
  messagesByOrder: messagesAbout(db, 'ORDER'),
  messagesByReservation: messagesAbout(db, 'RESERVATION'),
});

const idInput = z.string().trim().min(1).max(64);
function validId(field: string, value: string): string {
  const r = idInput.safeParse(value);
  if (!r.success) throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} must be 1 to 64 characters.`, { field });
  return r.data;
}

/** A message as GraphQL shows it: a Message (about an order, with orderId) or a ReservationMessage (with reservationId). */
const toGraphQL = (m: Message) => ({
  id: m.id,
  subjectKind: m.subjectKind,
  subjectId: m.subjectId,
  ...subjectRef(m.subjectKind, m.subjectId),
  customerId: m.customerId,
  status: m.status,
  message: m.text,
  channel: m.channel,
  deliveryStatus: m.deliveryStatus,
  attempts: m.attempts,
  lastError: m.lastError,
  nextAttemptAt: m.nextAttemptAt?.toISOString() ?? null,
  createdAt: m.createdAt.toISOString(),
  sentAt: m.sentAt?.toISOString() ?? null,
});

const TYPE_NAMES: Record<MessageSubject, string> = { ORDER: 'Message', RESERVATION: 'ReservationMessage', REQUEST: 'RequestedMessage' };
const typeNameOf = (kind: MessageSubject) => TYPE_NAMES[kind];

/** A message by id, only when it is of the asked kind (a Message reference never resolves to a reservation's message). */
const byIdOfKind = async (db: NotificationDb, id: string, kind: MessageSubject) => {
  const m = await db.message.findUnique({ where: { id } });
  return m?.subjectKind === kind ? toGraphQL(m) : null;
};

const history = (db: NotificationDb, customerId: string, subjectKind?: MessageSubject) =>
  db.message.findMany({ where: { customerId, subjectKind }, orderBy: oldestFirst, take: HISTORY_LIMIT });

/**
 * The messages about one order or reservation, for their customer or an admin: a customer
 * asking about someone else's is FORBIDDEN (never an empty answer); none yet is [].
 */
async function messagesAboutSubject(ctx: NotificationContext, loader: DataLoader<string, Message[]>, field: string, rawId: string, what: string) {
  requireRole(ctx, 'customer', 'admin');
  const rows = await loader.load(validId(field, rawId));
  for (const m of rows) requireAccess(ctx, { customerId: m.customerId }, `the messages about ${what} ${m.subjectId}`);
  return rows.map(toGraphQL);
}

export function notificationResolvers(db: NotificationDb) {
  return {
    Query: {
      // A customer's own history: the customer id is the signed-in customer's.
      messagesByCustomer: async (_: unknown, __: unknown, ctx: NotificationContext) => (await history(db, requireCustomer(ctx), 'ORDER')).map(toGraphQL),
      customerMessages: async (_: unknown, __: unknown, ctx: NotificationContext) => (await history(db, requireCustomer(ctx))).map(toGraphQL),
      messagesByOrder: (_: unknown, args: { orderId: string }, ctx: NotificationContext) =>
        messagesAboutSubject(ctx, ctx.messagesByOrder, 'orderId', args.orderId, 'order'),
      messagesByReservation: (_: unknown, args: { reservationId: string }, ctx: NotificationContext) =>
        messagesAboutSubject(ctx, ctx.messagesByReservation, 'reservationId', args.reservationId, 'reservation'),
    },
    CustomerMessage: {
      __resolveType: (m: { subjectKind: MessageSubject }) => typeNameOf(m.subjectKind),
    },
    Message: {
      __resolveReference: (ref: { id: string }) => byIdOfKind(db, ref.id, 'ORDER'),
    },
    ReservationMessage: {
      __resolveReference: (ref: { id: string }) => byIdOfKind(db, ref.id, 'RESERVATION'),
    },
    Order: {
      messages: async (order: { id: string }, _: unknown, ctx: NotificationContext) => (await ctx.messagesByOrder.load(order.id)).map(toGraphQL),
    },
    Reservation: {
      messages: async (r: { id: string }, _: unknown, ctx: NotificationContext) => (await ctx.messagesByReservation.load(r.id)).map(toGraphQL),
    },
  };
}
