import DataLoader from 'dataloader';
import { z } from 'zod';
import { requireAccess, requireCustomer, requireRole, type AuthContext } from '../../platform/auth';
import { DomainError, ErrorCode } from '../../platform/errors';
import { paginate, type ConnectionArgs, type SortKey } from '../../platform/pagination';
import type { Message, NotificationDb } from './db';
import { subjectRef, type MessageSubject } from './rules';
import type { Resolvers } from './generated/resolvers-types';

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

const TYPE_NAMES: Record<MessageSubject, 'Message' | 'ReservationMessage' | 'RequestedMessage'> = { ORDER: 'Message', RESERVATION: 'ReservationMessage', REQUEST: 'RequestedMessage' };
const typeNameOf = (kind: MessageSubject) => TYPE_NAMES[kind];

/** A message by id, only when it is of the asked kind (a Message reference never resolves to a reservation's message). */
const byIdOfKind = async (db: NotificationDb, id: string, kind: MessageSubject) => {
  const m = await db.message.findUnique({ where: { id } });
  return m?.subjectKind === kind ? toGraphQL(m) : null;
};

const history = (db: NotificationDb, customerId: string, subjectKind?: MessageSubject) =>
  db.message.findMany({ where: { customerId, subjectKind }, orderBy: oldestFirst, take: HISTORY_LIMIT });

/**
 * The connections' order: oldest first, the id making it total. (The old lists break ties of
 * one instant by channel; Prisma cannot range over an enum, so the connections break them by id.)
 */
const OLDEST_FIRST: SortKey[] = [
  { field: 'createdAt', direction: 'asc', kind: 'date' },
  { field: 'id', direction: 'asc', kind: 'string' },
];

const page = (db: NotificationDb, args: ConnectionArgs, where: Record<string, unknown>) =>
  paginate({ args, keys: OLDEST_FIRST, where, fetch: (q) => db.message.findMany(q), toNode: toGraphQL });

/**
 * A page of the messages about one order or reservation, for their customer or an admin, with
 * the list field's rule: a customer asking about someone else's is FORBIDDEN (judged on any of
 * the subject's messages, whichever page is asked for); none yet is an empty page.
 */
async function pageAboutSubject(db: NotificationDb, ctx: NotificationContext, args: ConnectionArgs, subjectKind: MessageSubject, field: string, rawId: string, what: string) {
  requireRole(ctx, 'customer', 'admin');
  const subjectId = validId(field, rawId);
  const any = await db.message.findFirst({ where: { subjectKind, subjectId }, select: { customerId: true } });
  if (any) requireAccess(ctx, any, `the messages about ${what} ${subjectId}`);
  return page(db, args, { subjectKind, subjectId });
}

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
      messagesByCustomer: async (_, __, ctx) => (await history(db, requireCustomer(ctx), 'ORDER')).map(toGraphQL),
      messagesByCustomerConnection: (_, args, ctx) => page(db, args, { customerId: requireCustomer(ctx), subjectKind: 'ORDER' }),
      customerMessages: async (_, __, ctx) => (await history(db, requireCustomer(ctx))).map(toGraphQL),
      customerMessagesConnection: (_, args, ctx) => page(db, args, { customerId: requireCustomer(ctx) }),
      messagesByOrder: (_, args, ctx) => messagesAboutSubject(ctx, ctx.messagesByOrder, 'orderId', args.orderId, 'order'),
      messagesByOrderConnection: (_, args, ctx) => pageAboutSubject(db, ctx, args, 'ORDER', 'orderId', args.orderId, 'order'),
      messagesByReservation: (_, args, ctx) => messagesAboutSubject(ctx, ctx.messagesByReservation, 'reservationId', args.reservationId, 'reservation'),
      messagesByReservationConnection: (_, args, ctx) => pageAboutSubject(db, ctx, args, 'RESERVATION', 'reservationId', args.reservationId, 'reservation'),
    },
    CustomerMessage: {
      __resolveType: (m) => typeNameOf(m.subjectKind!),
    },
    Message: {
      __resolveReference: (ref) => byIdOfKind(db, ref.id, 'ORDER'),
    },
    ReservationMessage: {
      __resolveReference: (ref) => byIdOfKind(db, ref.id, 'RESERVATION'),
    },
    Order: {
      messages: async (order, _, ctx) => (await ctx.messagesByOrder.load(order.id!)).map(toGraphQL),
    },
    Reservation: {
      messages: async (r, _, ctx) => (await ctx.messagesByReservation.load(r.id!)).map(toGraphQL),
    },
  } satisfies Resolvers<NotificationContext>;
}
