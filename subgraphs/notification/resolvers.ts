import DataLoader from 'dataloader';
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Message, NotificationDb } from './db';
import { subjectRef, type MessageSubject } from './rules';

export interface NotificationContext {
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
  db.message.findMany({ where: { customerId: validId('customerId', customerId), subjectKind }, orderBy: oldestFirst, take: HISTORY_LIMIT });

export function notificationResolvers(db: NotificationDb) {
  return {
    Query: {
      messagesByCustomer: async (_: unknown, args: { customerId: string }) => (await history(db, args.customerId, 'ORDER')).map(toGraphQL),
      customerMessages: async (_: unknown, args: { customerId: string }) => (await history(db, args.customerId)).map(toGraphQL),
      messagesByOrder: async (_: unknown, args: { orderId: string }, ctx: NotificationContext) =>
        (await ctx.messagesByOrder.load(validId('orderId', args.orderId))).map(toGraphQL),
      messagesByReservation: async (_: unknown, args: { reservationId: string }, ctx: NotificationContext) =>
        (await ctx.messagesByReservation.load(validId('reservationId', args.reservationId))).map(toGraphQL),
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
