import { DomainError, ErrorCode } from '../../platform/errors';

export const DELIVERY_STATUSES = ['WAITING', 'ACCEPTED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const next: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  WAITING: ['ACCEPTED'],
  ACCEPTED: [],
};

export const canTransition = (from: DeliveryStatus, to: DeliveryStatus) => next[from].includes(to);

export function assertTransition(from: DeliveryStatus, to: DeliveryStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `A delivery that is ${from} cannot become ${to}.`, { from, to });
  }
}
