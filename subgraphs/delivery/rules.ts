import { DomainError, ErrorCode } from '../../platform/errors';

export const DELIVERY_STATUSES = ['WAITING', 'ACCEPTED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The steps people take, each by its actor: the store accepts and produces, the courier
 * ships and completes. Every step but the last starts work, which an order being
 * cancelled must not get; a courier who already left still hands the order over.
 */
export const STEPS = {
  accept: { to: 'ACCEPTED', actor: 'store', startsWork: true },
  startProduction: { to: 'IN_PRODUCTION', actor: 'store', startsWork: true },
  startDelivery: { to: 'SHIPPED', actor: 'courier', startsWork: true },
  completeDelivery: { to: 'DELIVERED', actor: 'courier', startsWork: false },
} as const satisfies Record<string, { to: DeliveryStatus; actor: 'store' | 'courier'; startsWork: boolean }>;
export type Step = keyof typeof STEPS;

/**
 * Which status may follow which. Production is optional: a store that makes the goods
 * (pizzeria, bakery) records it, a bookstore hands the accepted book to the courier.
 * CANCELLED is reached only through the cancellation saga, never by an actor.
 */
const next: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  WAITING: ['ACCEPTED', 'CANCELLED'],
  ACCEPTED: ['IN_PRODUCTION', 'SHIPPED', 'CANCELLED'],
  IN_PRODUCTION: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};

export const canTransition = (from: DeliveryStatus, to: DeliveryStatus) => next[from].includes(to);

export function assertTransition(from: DeliveryStatus, to: DeliveryStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `A delivery that is ${from} cannot become ${to}.`, { from, to });
  }
}

/**
 * An actor's step: allowed by the status and, for a step that starts work, only while no
 * cancellation of the order has been seen (no pizza is baked, no book leaves, for an
 * order being cancelled).
 */
export function assertStep(step: Step, from: DeliveryStatus, cancelRequested: boolean): void {
  const { to, startsWork } = STEPS[step];
  assertTransition(from, to);
  if (cancelRequested && startsWork) {
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `The order is being cancelled; its delivery cannot become ${to}.`, {
      from,
      to,
      reason: 'CANCELLATION_REQUESTED',
    });
  }
}

/** What the cancellation saga does with a delivery in a given status. */
export type CancelDecision = { kind: 'cancel' } | { kind: 'already' } | { kind: 'refuse'; reason: 'DELIVERY_ALREADY_STARTED' | 'DELIVERY_COMPLETED' };

export function cancelDecision(status: DeliveryStatus): CancelDecision {
  if (status === 'CANCELLED') return { kind: 'already' };
  if (status === 'SHIPPED') return { kind: 'refuse', reason: 'DELIVERY_ALREADY_STARTED' };
  if (status === 'DELIVERED') return { kind: 'refuse', reason: 'DELIVERY_COMPLETED' };
  return { kind: 'cancel' };
}
