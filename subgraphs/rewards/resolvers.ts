import { requireActor, requireCustomer, type AuthContext } from '../../platform/auth';
import type { IdempotencyContext } from '../../platform/idempotency';
import { paginate, type SortKey } from '../../platform/pagination';
import type { Gift, MissionView, RewardsDb } from './db';
import { exchangeGift, useGift } from './gifts';
import type { MessageDispatcher } from './messages';
import { GIFTS, missionDefinition } from './rules';
import type { Resolvers } from './generated/resolvers-types';

const iso = (d: Date | null) => d?.toISOString() ?? null;

const missionToGraphQL = (m: MissionView) => ({
    ...m,
    id: m.missionId,
    title: missionDefinition(m.kind).title,
    rewardPoints: missionDefinition(m.kind).rewardPoints,
    telegramMessageId: m.messageId,
    telegramStatus: m.messageStatus,
    completedAt: iso(m.completedAt),
    updatedAt: m.updatedAt.toISOString(),
  });

const giftToGraphQL = (g: Gift) => ({ ...g, telegramStatus: g.messageStatus, telegramMessageId: g.messageId, exchangedAt: g.exchangedAt.toISOString(), usedAt: iso(g.usedAt) });

/** The connections' orders: missions by id (Prisma cannot range over myMissions' enum `kind`), gifts newest first. */
const MISSIONS_BY_ID: SortKey[] = [{ field: 'missionId', direction: 'asc', kind: 'string' }];
const NEWEST_GIFTS: SortKey[] = [
  { field: 'exchangedAt', direction: 'desc', kind: 'date' },
  { field: 'id', direction: 'desc', kind: 'string' },
];

/**
 * Missions, wallets and gifts are a customer's own: the customer id is always the signed-in
 * customer's (never an argument). Entities (`__resolveReference`) are reached only under an
 * already-authorized parent.
 */
export function rewardsResolvers(db: RewardsDb, dispatcher: Pick<MessageDispatcher, 'sendNow' | 'leaseUntil'>, onCommit: () => void) {
  return {
    Query: {
      myMissions: async (_, _args, ctx) =>
        // The mission page: rewards' read model, fed by MissionUpdated events only.
        (await db.missionView.findMany({ where: { customerId: requireCustomer(ctx) }, orderBy: { kind: 'asc' } })).map(missionToGraphQL),
      myMissionsConnection: (_, args, ctx) =>
        paginate({ args, keys: MISSIONS_BY_ID, where: { customerId: requireCustomer(ctx) }, fetch: (q) => db.missionView.findMany(q), toNode: missionToGraphQL }),
      wallet: async (_, _args, ctx) => {
        const customerId = requireCustomer(ctx);
        const w = await db.wallet.findUnique({ where: { customerId } });
        return { customerId, points: w?.points ?? 0 };
      },
      giftCatalog: (_, _args, ctx) => {
        requireActor(ctx);
        return [...GIFTS];
      },
      myGifts: async (_, _args, ctx) =>
        (await db.gift.findMany({ where: { customerId: requireCustomer(ctx) }, orderBy: { exchangedAt: 'desc' }, take: 200 })).map(giftToGraphQL),
      myGiftsConnection: (_, args, ctx) =>
        paginate({ args, keys: NEWEST_GIFTS, where: { customerId: requireCustomer(ctx) }, fetch: (q) => db.gift.findMany(q), toNode: giftToGraphQL }),
    },
    Mutation: {
      exchangeGift: async (_, args, ctx) => {
        const gift = await exchangeGift(db, requireCustomer(ctx), args.giftId, ctx.idempotencyKey);
        onCommit();
        return giftToGraphQL(gift);
      },
      useGift: async (_, args, ctx) => giftToGraphQL(await useGift(db, dispatcher, requireCustomer(ctx), args.id, onCommit)),
    },
    Mission: {
      __resolveReference: async (ref) => {
        const m = await db.missionView.findUnique({ where: { missionId: ref.id } });
        return m && missionToGraphQL(m);
      },
    },
    Gift: {
      __resolveReference: async (ref) => {
        const g = await db.gift.findUnique({ where: { id: ref.id } });
        return g && giftToGraphQL(g);
      },
    },
  } satisfies Resolvers<AuthContext & IdempotencyContext>;
}
