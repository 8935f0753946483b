import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';
import { PAYMENT_METHODS } from '../payment/contracts';

export const ORDER_STATUSES = [
  'PENDING',
  'PAID',
  'CONFIRMED',
  'IN_PRODUCTION',
  'SHIPPED',
  'DELIVERED',
  'REJECTED',
  'CANCELLING',
  'CANCELLED',
  'CANCELLATION_FAILED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export { PAYMENT_METHODS };
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * The order's life: which status may follow which. The delivery steps (CONFIRMED →
 * IN_PRODUCTION → SHIPPED → DELIVERED) follow delivery's events; production is a step
 * only stores that make the goods take (a bookstore ships what it accepted).
 */
const next: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['PAID', 'REJECTED'],
  PAID: ['CONFIRMED', 'CANCELLING'],
  CONFIRMED: ['IN_PRODUCTION', 'SHIPPED', 'CANCELLING'],
  IN_PRODUCTION: ['SHIPPED', 'CANCELLING'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLING: ['CANCELLED', 'CANCELLATION_FAILED'],
  CANCELLED: [],
  CANCELLATION_FAILED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => next[from].includes(to);

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `An order that is ${from} cannot become ${to}.`, { from, to });
  }
}

/** What cancelOrder does with an order in a given status. */
export type Cancellability = { kind: 'cancel' } | { kind: 'already' } | { kind: 'refuse'; message: string };

export function cancellability(status: OrderStatus): Cancellability {
  switch (status) {
    case 'PAID':
    case 'CONFIRMED':
    case 'IN_PRODUCTION':
      return { kind: 'cancel' };
    // Cancelling twice is harmless: the first request's saga is under way or done.
    case 'CANCELLING':
    case 'CANCELLED':
      return { kind: 'already' };
    case 'PENDING':
      return { kind: 'refuse', message: 'Its payment is still in progress; cancel it once it is PAID.' };
    case 'REJECTED':
      return { kind: 'refuse', message: 'It was rejected and never charged; there is nothing to cancel.' };
    case 'SHIPPED':
      return { kind: 'refuse', message: 'Its delivery has started.' };
    case 'DELIVERED':
      return { kind: 'refuse', message: 'It has been delivered.' };
    case 'CANCELLATION_FAILED':
      return { kind: 'refuse', message: 'Its cancellation already failed: the delivery had started.' };
  }
}

/** Refuses a cancellation with ORDER_NOT_CANCELLABLE, or answers whether a saga must start. */
export function assertCancellable(orderId: string, status: OrderStatus): 'cancel' | 'already' {
  const c = cancellability(status);
  if (c.kind === 'refuse') throw new DomainError(ErrorCode.ORDER_NOT_CANCELLABLE, `Order ${orderId} cannot be cancelled: ${c.message}`, { orderId, status });
  return c.kind;
}

/** The delivery steps in the order they happen, as order statuses. */
const DELIVERY_PATH: readonly OrderStatus[] = ['PAID', 'CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED'];

/** What a delivery event tells ordering: which steps the delivery has taken so far. */
export interface DeliveryProgress {
  accepted: boolean;
  productionStarted: boolean;
  shipped: boolean;
  delivered: boolean;
}

export type ProgressDecision = { kind: 'apply'; statuses: OrderStatus[] } | { kind: 'ignore'; reason: string } | { kind: 'impossible'; reason: string };

/**
 * Which status changes a delivery event brings, in order. Delivery's events travel on
 * separate subjects and may arrive in any order; each one carries the steps taken so
 * far, so ordering moves through every step it has not shown yet (each its own
 * OrderStatusChanged) and a late, older event changes nothing. While a cancellation is
 * under way or settled, the saga decides the order's fate and delivery progress is
 * only noted (the refusal of a shipped delivery ends it as CANCELLATION_FAILED).
 */
export function deliveryProgress(current: OrderStatus, progress: DeliveryProgress): ProgressDecision {
  if (current === 'CANCELLING' || current === 'CANCELLED' || current === 'CANCELLATION_FAILED') {
    return { kind: 'ignore', reason: `the order is ${current}` };
  }
  if (current === 'PENDING' || current === 'REJECTED') {
    return { kind: 'impossible', reason: `delivery reported progress for an order that is ${current}` };
  }
  const reached: OrderStatus[] = [];
  if (progress.accepted) reached.push('CONFIRMED');
  if (progress.productionStarted) reached.push('IN_PRODUCTION');
  if (progress.shipped) reached.push('SHIPPED');
  if (progress.delivered) reached.push('DELIVERED');
  const rank = DELIVERY_PATH.indexOf(current);
  const statuses = reached.filter((s) => DELIVERY_PATH.indexOf(s) > rank);
  return { kind: 'apply', statuses };
}

/** A sane ceiling: nobody orders more than this in one go, and it keeps amounts far from overflow. */
export const MAX_QTY = 100;
export const MAX_ADDRESS = 200;
export const MAX_REASON = 200;

/** Printable text: no control characters (a newline in an address breaks every label it is printed on). */
const printable = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

const placeOrderInput = z.object({
  customerId: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  productId: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  qty: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_QTY, `must be at most ${MAX_QTY}`),
  paymentMethod: z.enum(PAYMENT_METHODS, `must be one of ${PAYMENT_METHODS.join(', ')}`).nullish().transform((m) => m ?? 'CREDIT_CARD'),
  // Optional (an order without one is collected at the store), but never blank when given.
  deliveryAddress: z
    .string()
    .trim()
    .min(1, 'must not be blank when given')
    .max(MAX_ADDRESS, `is at most ${MAX_ADDRESS} characters`)
    .refine(printable, 'must not contain control characters')
    .nullish()
    .transform((a) => a ?? null),
});
export type PlaceOrder = z.infer<typeof placeOrderInput>;

/** Validates before anything is written; the first problem becomes a BAD_USER_INPUT error naming the field. */
export function validatePlaceOrder(input: unknown): PlaceOrder {
  return parseInput(placeOrderInput, input);
}

const cancelOrderInput = z.object({
  orderId: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  reason: z
    .string()
    .trim()
    .max(MAX_REASON, `is at most ${MAX_REASON} characters`)
    .refine(printable, 'must not contain control characters')
    .nullish()
    .transform((r) => r || null),
});
export type CancelOrder = z.infer<typeof cancelOrderInput>;

export function validateCancelOrder(input: unknown): CancelOrder {
  return parseInput(cancelOrderInput, input);
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} ${issue.message}.`, { field });
}

export const orderAmount = (unitPrice: number, qty: number) => unitPrice * qty;
