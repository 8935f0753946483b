import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';

export const ORDER_STATUSES = ['PENDING', 'PAID', 'CONFIRMED', 'REJECTED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The order's life: which status may follow which. */
const next: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['PAID', 'REJECTED'],
  PAID: ['CONFIRMED'],
  CONFIRMED: [],
  REJECTED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => next[from].includes(to);

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `An order that is ${from} cannot become ${to}.`, { from, to });
  }
}

/** A sane ceiling: nobody orders more than this in one go, and it keeps amounts far from overflow. */
export const MAX_QTY = 100;

const placeOrderInput = z.object({
  customerId: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  productId: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  qty: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_QTY, `must be at most ${MAX_QTY}`),
});
export type PlaceOrder = z.infer<typeof placeOrderInput>;

/** Validates before anything is written; the first problem becomes a BAD_USER_INPUT error naming the field. */
export function validatePlaceOrder(input: unknown): PlaceOrder {
  const r = placeOrderInput.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} ${issue.message}.`, { field });
}

export const orderAmount = (unitPrice: number, qty: number) => unitPrice * qty;
