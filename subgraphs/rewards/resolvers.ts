import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Gift, MissionView, RewardsDb } from './db';
import { exchangeGift, useGift } from './gifts';
import type { MessageDispatcher } from './messages';
import { GIFTS, missionDefinition } from './rules';

const customerInput = z.string().trim().min(1).max(64);
function customerIdOf(value: unknown): string {
  const parsed = customerInput.safeParse(value);
  if (!parsed.success) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'customerId is required (at most 64 characters).', { field: 'customerId' });
  return parsed.data;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const missionToGraphQL = (m: MissionView | null) =>
  m && {
    ...m,
    id: m.missionId,
    title: missionDefinition(m.kind).title,
    rewardPoints: missionDefinition(m.kind).rewardPoints,
    telegramMessageId: m.messageId,
    telegramStatus: m.messageStatus,
    completedAt: iso(m.completedAt),
    updatedAt: m.updatedAt.toISOString(),
  };

const giftToGraphQL = (g: Gift | null) =>
  g && { ...g, telegramStatus: g.messageStatus, telegramMessageId: g.messageId, exchangedAt: g.exchangedAt.toISOString(), usedAt: iso(g.usedAt) };

export function rewardsResolvers(db: RewardsDb, dispatcher: Pick<MessageDispatcher, 'sendNow' | 'leaseUntil'>, onCommit: () => void) {
  return {
    Query: {
      myMissions: async (_: unknown, args: { customerId: string }) =>
        // The mission page: rewards' read model, fed by MissionUpdated events only.
        (await db.missionView.findMany({ where: { customerId: customerIdOf(args.customerId) }, orderBy: { kind: 'asc' } })).map(missionToGraphQL),
      wallet: async (_: unknown, args: { customerId: string }) => {
        const customerId = customerIdOf(args.customerId);
        const w = await db.wallet.findUnique({ where: { customerId } });
        return { customerId, points: w?.points ?? 0 };
      },
      giftCatalog: () => GIFTS,
      giftsByCustomer: async (_: unknown, args: { customerId: string }) =>
        (await db.gift.findMany({ where: { customerId: customerIdOf(args.customerId) }, orderBy: { exchangedAt: 'desc' }, take: 200 })).map(giftToGraphQL),
    },
    Mutation: {
      exchangeGift: async (_: unknown, args: { customerId: string; giftId: string }) => {
        const gift = await exchangeGift(db, args.customerId, args.giftId);
        onCommit();
        return giftToGraphQL(gift);
      },
      useGift: async (_: unknown, args: { id: string }) => giftToGraphQL(await useGift(db, dispatcher, args.id, onCommit)),
    },
    Mission: {
      __resolveReference: async (ref: { id: string }) => missionToGraphQL(await db.missionView.findUnique({ where: { missionId: ref.id } })),
    },
    Gift: {
      __resolveReference: async (ref: { id: string }) => giftToGraphQL(await db.gift.findUnique({ where: { id: ref.id } })),
    },
  };
}
