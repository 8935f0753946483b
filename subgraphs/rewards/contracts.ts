import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { MESSAGE_STATUSES, MISSION_KINDS, MISSION_STATUSES } from './rules';

/** Events rewards publishes. The correlation id of a mission's events is the mission id. */

/** A customer reached a mission's target. */
export const MissionCompleted = defineEvent({
  context: 'rewards',
  name: 'mission-completed',
  version: 1,
  data: z.object({
    missionId: z.string().min(1),
    customerId: z.string().min(1),
    kind: z.enum(MISSION_KINDS),
    completedAt: z.iso.datetime(),
  }),
});

/** The mission's reward was credited to the customer's wallet. */
export const RewardGranted = defineEvent({
  context: 'rewards',
  name: 'reward-granted',
  version: 1,
  data: z.object({
    rewardId: z.string().min(1),
    missionId: z.string().min(1),
    customerId: z.string().min(1),
    points: z.number().int().positive(),
    grantedAt: z.iso.datetime(),
  }),
});

/** A mission changed (progress, completion and reward, or its message went out): its whole state at `version`. */
export const MissionUpdated = defineEvent({
  context: 'rewards',
  name: 'mission-updated',
  version: 1,
  data: z.object({
    missionId: z.string().min(1),
    customerId: z.string().min(1),
    kind: z.enum(MISSION_KINDS),
    status: z.enum(MISSION_STATUSES),
    progress: z.number().int().nonnegative(),
    target: z.number().int().positive(),
    rewardId: z.string().min(1).nullable(),
    messageId: z.string().min(1).nullable(),
    messageStatus: z.enum(MESSAGE_STATUSES),
    completedAt: z.iso.datetime().nullable(),
    /** Readers apply only a newer version. */
    version: z.number().int().positive(),
    updatedAt: z.iso.datetime(),
  }),
});

/** Points were exchanged for a gift (the wallet was debited). */
export const GiftExchanged = defineEvent({
  context: 'rewards',
  name: 'gift-exchanged',
  version: 1,
  data: z.object({
    giftId: z.string().min(1),
    offerId: z.string().min(1),
    customerId: z.string().min(1),
    cost: z.number().int().positive(),
    balance: z.number().int().nonnegative(),
    exchangedAt: z.iso.datetime(),
  }),
});

/** The customer used a gift. */
export const GiftUsed = defineEvent({
  context: 'rewards',
  name: 'gift-used',
  version: 1,
  data: z.object({
    giftId: z.string().min(1),
    offerId: z.string().min(1),
    customerId: z.string().min(1),
    usedAt: z.iso.datetime(),
  }),
});
