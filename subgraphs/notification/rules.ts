import { backoffMs } from '../../platform/outbox';

export const MESSAGE_CHANNELS = ['LOG', 'WEBHOOK', 'TELEGRAM', 'KAKAO'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/**
 * What a message is about; each subject is a business case with its own id and versions.
 * REQUEST: a text another context asked for (`POST /internal/messages`); its id is the
 * caller's correlation id (e.g. a rewards mission id).
 */
export const MESSAGE_SUBJECTS = ['ORDER', 'RESERVATION', 'REQUEST'] as const;
export type MessageSubject = (typeof MESSAGE_SUBJECTS)[number];

/** The subject as the field that names it in events and webhooks: `{ orderId }`, `{ reservationId }` or `{ requestId }`. */
export function subjectRef(kind: MessageSubject, id: string): { orderId: string } | { reservationId: string } | { requestId: string } {
  if (kind === 'ORDER') return { orderId: id };
  return kind === 'RESERVATION' ? { reservationId: id } : { requestId: id };
}

export const DELIVERY_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * `NOTIFY_CHANNELS` (e.g. `log,telegram`) as channels: case-insensitive, duplicates
 * dropped, order kept. Every message goes to every listed channel; each send is on its own.
 */
export function parseChannelList(text: string): { channels: MessageChannel[] } | { error: string } {
  const names = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (names.length === 0) return { error: `lists no channel (choose from ${MESSAGE_CHANNELS.map((c) => c.toLowerCase()).join(', ')})` };
  const unknown = names.filter((n) => !(MESSAGE_CHANNELS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    return { error: `unknown channel ${unknown.map((u) => u.toLowerCase()).join(', ')} (choose from ${MESSAGE_CHANNELS.map((c) => c.toLowerCase()).join(', ')})` };
  }
  return { channels: [...new Set(names)] as MessageChannel[] };
}

/** What the customer reads after "<orderId> <customerId>", per order status ordering publishes. */
const HEADLINES: Record<string, string> = {
  PAID: 'Paid. Your order is placed.',
  CONFIRMED: 'Confirmed. The store accepted your order.',
  IN_PRODUCTION: 'In production. The store is preparing your order.',
  // Seed 004's message, word for word: "1 33 Shipped...".
  SHIPPED: 'Shipped...',
  DELIVERED: 'Delivered. Enjoy!',
  CANCELLING: 'Cancelling. We are cancelling your order and its payment.',
  CANCELLED: 'Cancelled. Your payment was refunded.',
  CANCELLATION_FAILED: 'Cancellation failed. Your order goes on; please contact the store.',
  REJECTED: 'Rejected. Nothing was charged.',
};

/** `OUT_FOR_DELIVERY` → `Out for delivery`. */
export const humanize = (status: string) => {
  const words = status.toLowerCase().split(/[_\s-]+/).filter(Boolean).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * The text of the message telling an order's new status, in the seeds' form
 * "<orderId> <customerId> <what happened>". A status notification does not know yet
 * (ordering added one) still gets a readable message.
 */
export function messageText(m: { orderId: string; customerId: string; status: string }): string {
  const headline = HEADLINES[m.status] ?? `${humanize(m.status) || 'Updated'}.`;
  return `${m.orderId} ${m.customerId} ${headline}`;
}

/**
 * The text of the message telling a reservation's outcome, in the same form
 * "<reservationId> <customerId> <what happened>: <title>". A failure for lack of stock
 * (rental's OUT_OF_STOCK, the only reason today) says so plainly.
 */
export function reservationMessageText(r: { reservationId: string; customerId: string; status: string; title: string; reason?: string }): string {
  return `${r.reservationId} ${r.customerId} ${reservationHeadline(r.status, r.reason)}: ${r.title}`;
}

function reservationHeadline(status: string, reason?: string): string {
  switch (status) {
    case 'REQUESTED':
      return 'Reservation requested';
    case 'RESERVED':
      return 'Reserved';
    case 'CANCELLED':
      return 'Reservation cancelled';
    case 'FAILED':
      return !reason || reason === 'OUT_OF_STOCK' ? 'No copy available' : `Reservation failed (${humanize(reason).toLowerCase()})`;
    default:
      return `Reservation ${humanize(status).toLowerCase() || 'updated'}`;
  }
}

export interface RetryPolicy {
  /** Sends tried before a message is given up (FAILED for good). */
  maxAttempts: number;
  /** Back-off base: the first retry waits about this long, then twice as long each time. */
  baseMs: number;
  capMs?: number;
}

/**
 * After the `attempts`-th send failed: when to try again, or null to give up.
 * Exponential back-off with jitter, capped (5 minutes unless told otherwise).
 */
export function nextAttemptAfterFailure(attempts: number, policy: RetryPolicy, now: Date = new Date()): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  return new Date(now.getTime() + Math.round(backoffMs(attempts, policy.baseMs, policy.capMs ?? 300_000)));
}
