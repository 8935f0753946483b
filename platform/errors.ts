import { GraphQLError } from 'graphql';

/**
 * Every error code a client can see. Stable: clients branch on them.
 * Documented in README.md ("Error codes").
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  PRODUCT_NOT_FOUND: 'PRODUCT_NOT_FOUND',
  ORDER_NOT_FOUND: 'ORDER_NOT_FOUND',
  DELIVERY_NOT_FOUND: 'DELIVERY_NOT_FOUND',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  ORDER_NOT_CANCELLABLE: 'ORDER_NOT_CANCELLABLE',
  PAYMENT_UNAVAILABLE: 'PAYMENT_UNAVAILABLE',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  RESERVATION_NOT_FOUND: 'RESERVATION_NOT_FOUND',
  RESERVATION_NOT_CANCELLABLE: 'RESERVATION_NOT_CANCELLABLE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INSUFFICIENT_POINTS: 'INSUFFICIENT_POINTS',
  GIFT_NOT_FOUND: 'GIFT_NOT_FOUND',
  GIFT_ALREADY_USED: 'GIFT_ALREADY_USED',
  // A context that is starting (waiting for NATS) or shutting down: retry.
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  // Idempotency keys (platform/idempotency.ts).
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_PROGRESS: 'IDEMPOTENCY_KEY_IN_PROGRESS',
  // placeOrder wrote the order but could not learn or record its outcome in time; extensions.orderId names it.
  ORDER_OUTCOME_PENDING: 'ORDER_OUTCOME_PENDING',
  // Product rules (subgraphs/catalog/rules.ts: what the store's kind allows).
  PRODUCT_NOT_RENTABLE: 'PRODUCT_NOT_RENTABLE',
  PRODUCT_NOT_STOCKED: 'PRODUCT_NOT_STOCKED',
  // The router's own: guard rails and subscriptions.
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  SLOW_SUBSCRIBER: 'SLOW_SUBSCRIBER',
  REPLAY_FAILED: 'REPLAY_FAILED',
  ORDER_READ_STALE: 'ORDER_READ_STALE',
  // The edge: a subgraph that cannot answer (partial answers), and every masked unexpected error (with extensions.errorId).
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error type of the domain: a stable code, a readable message, optional details. */
export class DomainError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...details } });
    this.name = 'DomainError';
    this.code = code;
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/** Raised by event handlers for failures that retrying cannot fix: the message goes straight to the dead-letter record. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}
