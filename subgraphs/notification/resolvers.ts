import DataLoader from 'dataloader';
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Message, NotificationDb } from './db';

export interface NotificationContext {
  messagesByOrder: DataLoader<string, Message[]>;
}

const HISTORY_LIMIT = 500;
const oldestFirst = [{ createdAt: 'asc' as const }, { channel: 'asc' as const }];

/** One query for every Order in a request (Order.messages from _entities). */
export const notificationContext = (db: NotificationDb): NotificationContext => ({
  messagesByOrder: new DataLoader(async (orderIds) => {
    const rows = await db.message.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: oldestFirst });
    return orderIds.map((id) => rows.filter((r) => r.orderId === id));
  }),
});

const idInput = z.string().trim().min(1).max(64);
function validId(field: string, value: string): string {
  const r = idInput.safeParse(value);
  if (!r.success) throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} must be 1 to 64 characters.`, { field });
  return r.data;
}

const toGraphQL = (m: Message | null) =>
  m && {
    id: m.id,
    orderId: m.orderId,
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
  };

export function notificationResolvers(db: NotificationDb) {
  return {
    Query: {
      messagesByCustomer: async (_: unknown, args: { customerId: string }) =>
        (await db.message.findMany({ where: { customerId: validId('customerId', args.customerId) }, orderBy: oldestFirst, take: HISTORY_LIMIT })).map(toGraphQL),
      messagesByOrder: async (_: unknown, args: { orderId: string }, ctx: NotificationContext) =>
        (await ctx.messagesByOrder.load(validId('orderId', args.orderId))).map(toGraphQL),
    },
    Message: {
      __resolveReference: async (ref: { id: string }) => toGraphQL(await db.message.findUnique({ where: { id: ref.id } })),
    },
    Order: {
      messages: async (order: { id: string }, _: unknown, ctx: NotificationContext) => (await ctx.messagesByOrder.load(order.id)).map(toGraphQL),
    },
  };
}
