import { policy } from '../../platform/consumer';
import { MessageSent } from '../notification/contracts';
import { OrderPlaced } from '../ordering/contracts';
import { MissionUpdated } from './contracts';
import type { RewardsTx } from './db';
import { advanceMessage } from './messages';
import { applyMissionUpdated } from './mission-views';
import { countOrder } from './missions';

/**
 * Missions move on paid orders: ordering's OrderPlaced (an order stands once paid). Rewards
 * only listens: ordering knows nothing of it (the seed's open-architecture checkpoint).
 */
export const countPaidOrder = policy<RewardsTx, typeof OrderPlaced>({
  name: 'order-placed',
  event: OrderPlaced,
  // A customer's missions are one set of rows: their orders are counted one after another.
  orderingKey: (o) => o.customerId,
  handle: (tx, o, env) => countOrder(tx, o.customerId, o.orderId, { productId: o.productId, storeId: o.storeId }, env.id),
});

/**
 * The saga's last step: notification announces that a message rewards asked for went out
 * (its correlation id, `requestId`, is the mission's or gift's id); the mission records it
 * (MissionUpdated, messageStatus SENT). Messages about orders and reservations are not ours:
 * they are acknowledged without a transaction (`accepts`). Notification publishes every
 * MessageSent on one subject, so the server cannot filter them out for us (a subject per
 * kind of subject would let the durable's filter_subject do it).
 */
export const recordMessageSent = policy<RewardsTx, typeof MessageSent>({
  name: 'message-sent',
  event: MessageSent,
  accepts: (m) => m.requestId !== undefined,
  async handle(tx, m, env) {
    if (m.requestId === undefined) return;
    const row = await tx.outgoingMessage.findFirst({ where: { subjectId: m.requestId } });
    if (!row) return; // another context's request
    await advanceMessage(tx, row, 'SENT', m.messageId, env.id);
  },
});

/**
 * The mission page (point 4 of the issue: missions, reward id, Telegram status, from events
 * only): built from rewards' own MissionUpdated like any outside reader would build it.
 */
export const updateMissionView = policy<RewardsTx, typeof MissionUpdated>({
  name: 'mission-view',
  event: MissionUpdated,
  handle: (tx, m) => applyMissionUpdated(tx, m),
});

export const rewardsPolicies = [countPaidOrder, recordMessageSent, updateMissionView];
