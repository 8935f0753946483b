import { z } from 'zod';
import { forbidden } from '../../platform/auth';
import { DomainError, ErrorCode } from '../../platform/errors';
import { keyedCall, runOnce } from '../../platform/idempotency';
import { addToOutbox } from '../../platform/outbox';
import { GiftExchanged, GiftUsed } from './contracts';
import type { Gift, RewardsDb, RewardsTx } from './db';
import type { MessageDispatcher } from './messages';
import { GIFTS, giftMessageText, giftOffer } from './rules';
import { newId } from '../../platform/ids';

const idInput = z.string().trim().min(1).max(64);

function input(field: string, value: unknown): string {
  const parsed = idInput.safeParse(value);
  if (!parsed.success) throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} is required (at most 64 characters).`, { field });
  return parsed.data;
}

/**
 * Points for a gift, for the signed-in customer. The debit is one conditional UPDATE
 * (`points >= cost`): two concurrent exchanges cannot both spend the same points, and the
 * wallet never goes negative. With an Idempotency-Key (platform/idempotency.ts) a retry
 * spends nothing more and answers the first gift as it is now.
 */
export async function exchangeGift(db: RewardsDb, customerId: string, rawGiftId: unknown, idempotencyKey?: string): Promise<Gift> {
  const offerId = input('giftId', rawGiftId);
  const call = keyedCall(idempotencyKey, { role: 'customer', sub: customerId }, 'exchangeGift', { customerId, giftId: offerId });
  return runOnce<Gift, RewardsTx>(db, call, {
    replay: async (id) => db.gift.findUniqueOrThrow({ where: { id } }),
    perform: async (claim) => {
      const offer = giftOffer(offerId);
      if (!offer) throw new DomainError(ErrorCode.GIFT_NOT_FOUND, `No gift ${offerId}; the catalog has ${GIFTS.map((g) => g.giftId).join(', ')}.`, { giftId: offerId });
      return db.$transaction(async (tx) => {
        const id = newId();
        await claim(tx, id);
        const { count } = await tx.wallet.updateMany({ where: { customerId, points: { gte: offer.cost } }, data: { points: { decrement: offer.cost } } });
        if (count === 0) {
          const wallet = await tx.wallet.findUnique({ where: { customerId } });
          throw new DomainError(ErrorCode.INSUFFICIENT_POINTS, `${offer.name} costs ${offer.cost} points; the wallet holds ${wallet?.points ?? 0}.`, {
            cost: offer.cost,
            points: wallet?.points ?? 0,
          });
        }
        const wallet = await tx.wallet.findUniqueOrThrow({ where: { customerId } });
        const gift = await tx.gift.create({ data: { id, customerId, giftId: offer.giftId, name: offer.name, cost: offer.cost } });
        await addToOutbox(
          tx,
          GiftExchanged,
          { giftId: gift.id, offerId: offer.giftId, customerId, cost: offer.cost, balance: wallet.points, exchangedAt: gift.exchangedAt.toISOString() },
          { correlationId: gift.id },
        );
        return gift;
      });
    },
  });
}

/**
 * The customer `customerId` uses their gift (only its owner may: FORBIDDEN otherwise), then
 * tells them on Telegram through notification, synchronously.
 * The use is rewards' own fact and stands whatever notification does: when notification is
 * down, slow, its breaker open or another call pending, the message stays queued
 * (messageStatus QUEUED) and the retry loop sends it once notification answers again. A
 * customer at the counter must not be refused a gift because a message could not go out.
 */
export async function useGift(
  db: RewardsDb,
  dispatcher: Pick<MessageDispatcher, 'sendNow' | 'leaseUntil'>,
  customerId: string,
  rawId: unknown,
  onCommit: () => void,
): Promise<Gift> {
  const id = input('id', rawId);
  const usedAt = new Date();
  await db.$transaction(async (tx) => {
    const gift = await tx.gift.findUnique({ where: { id } });
    if (!gift) throw new DomainError(ErrorCode.GIFT_NOT_FOUND, `No gift ${id}.`, { id });
    if (gift.customerId !== customerId) throw forbidden(`Gift ${id} is not yours.`, { id });
    const { count } = await tx.gift.updateMany({ where: { id, status: 'OWNED' }, data: { status: 'USED', usedAt, messageStatus: 'QUEUED' } });
    if (count === 0) throw new DomainError(ErrorCode.GIFT_ALREADY_USED, `Gift ${id} was already used.`, { id });
    await tx.outgoingMessage.create({
      data: {
        id: newId(),
        customerId: gift.customerId,
        text: giftMessageText(gift.name, gift.id),
        subjectKind: 'GIFT',
        subjectId: gift.id,
        // Held for the synchronous send below: the retry loop only takes it if that send never finishes.
        nextAttemptAt: dispatcher.leaseUntil(),
      },
    });
    await addToOutbox(tx, GiftUsed, { giftId: gift.id, offerId: gift.giftId, customerId: gift.customerId, usedAt: usedAt.toISOString() }, { correlationId: gift.id });
  });
  onCommit();
  await dispatcher.sendNow('GIFT', id);
  return db.gift.findUniqueOrThrow({ where: { id } });
}
