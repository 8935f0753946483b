import { requireActor, requireCustomer, type AuthContext } from '../../platform/auth';
import type { IdempotencyContext } from '../../platform/idempotency';
import type { Gift, MissionView, RewardsDb } from './db';
import { exchangeGift, useGift } from './gifts';
import type { MessageDispatcher } from './messages';
import { GIFTS, missionDefinition } from './rules';

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

/**
 * Missions, wallets and gifts are a customer's own: the customer id is always the signed-in
 * customer's (never an argument). Entities (`__resolveReference`) are reached only under an
 * already-authorized parent.
 */
export function rewardsResolvers(db: RewardsDb, dispatcher: Pick<MessageDispatcher, 'sendNow' | 'leaseUntil'>, onCommit: () => void) {
  return {
    Query: {
      myMissions: async (_: unknown, _args: unknown, ctx: AuthContext) =>
        // The mission page: rewards' read model, fed by MissionUpdated events only.
        (await db.missionView.findMany({ where: { customerId: requireCustomer(ctx) }, orderBy: { kind: 'asc' } })).map(missionToGraphQL),
      wallet: async (_: unknown, _args: unknown, ctx: AuthContext) => {
        const customerId = requireCustomer(ctx);
        const w = await db.wallet.findUnique({ where: { customerId } });
        return { customerId, points: w?.points ?? 0 };
      },
      giftCatalog: (_: unknown, _args: unknown, ctx: AuthContext) => {
        requireActor(ctx);
        return GIFTS;
      },
      myGifts: async (_: unknown, _args: unknown, ctx: AuthContext) =>
        (await db.gift.findMany({ where: { customerId: requireCustomer(ctx) }, orderBy: { exchangedAt: 'desc' }, take: 200 })).map(giftToGraphQL),
    },
    Mutation: {
      exchangeGift: async (_: unknown, args: { giftId: string }, ctx: AuthContext & IdempotencyContext) => {
        const gift = await exchangeGift(db, requireCustomer(ctx), args.giftId, ctx.idempotencyKey);
        onCommit();
        return giftToGraphQL(gift);
      },
      useGift: async (_: unknown, args: { id: string }, ctx: AuthContext) => giftToGraphQL(await useGift(db, dispatcher, requireCustomer(ctx), args.id, onCommit)),
    },
    Mission: {
      __resolveReference: async (ref: { id: string }) => missionToGraphQL(await db.missionView.findUnique({ where: { missionId: ref.id } })),
    },
    Gift: {
      __resolveReference: async (ref: { id: string }) => giftToGraphQL(await db.gift.findUnique({ where: { id: ref.id } })),
    },
  };
}
