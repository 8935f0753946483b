/** Rewards' rules (seed 003): which missions exist, which order counts for which, what gifts cost. */

export const MISSION_KINDS = ['THREE_ORDERS', 'FIRST_PIZZA'] as const;
export type MissionKind = (typeof MISSION_KINDS)[number];
export const MISSION_STATUSES = ['IN_PROGRESS', 'COMPLETED'] as const;
export const MESSAGE_STATUSES = ['NONE', 'QUEUED', 'REQUESTED', 'SENT'] as const;
export const GIFT_STATUSES = ['OWNED', 'USED'] as const;

/** The fact of a paid order that missions look at (ordering's OrderPlaced carries it). */
export interface PaidOrder {
  productId: string;
  storeId: string;
}

export interface MissionDefinition {
  kind: MissionKind;
  title: string;
  target: number;
  rewardPoints: number;
  counts(order: PaidOrder): boolean;
}

export const PIZZA_STORE = 'mario-pizzeria';

export const MISSIONS: readonly MissionDefinition[] = [
  { kind: 'THREE_ORDERS', title: 'Place 3 orders', target: 3, rewardPoints: 300, counts: () => true },
  {
    kind: 'FIRST_PIZZA',
    title: 'Order your first pizza',
    target: 1,
    rewardPoints: 100,
    // Any product of the pizzeria; pepperoni pizza also when another store sells it.
    counts: (o) => o.storeId === PIZZA_STORE || o.productId === 'pepperoniPizza',
  },
];

export const missionDefinition = (kind: MissionKind): MissionDefinition => MISSIONS.find((m) => m.kind === kind)!;

/** Progress after one more counted order; never past the target. */
export function advance(progress: number, target: number): { progress: number; completed: boolean } {
  const next = Math.min(progress + 1, target);
  return { progress: next, completed: next >= target };
}

export interface GiftOffer {
  giftId: string;
  name: string;
  cost: number;
}

export const GIFTS: readonly GiftOffer[] = [
  { giftId: 'coffee', name: 'Coffee voucher', cost: 100 },
  { giftId: 'free-donut', name: 'Free donut', cost: 150 },
  { giftId: 'pizza-discount', name: '5000 off your next pizza', cost: 300 },
];

export const giftOffer = (giftId: string): GiftOffer | undefined => GIFTS.find((g) => g.giftId === giftId);

export const missionMessageText = (title: string, points: number) => `Mission complete: ${title}. ${points} points are in your wallet.`;
export const giftMessageText = (name: string, giftId: string) => `Your gift "${name}" is ready to use (gift ${giftId}).`;
