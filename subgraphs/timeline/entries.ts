/**
 * What a timeline entry says about an event: the timeline's one rule, a plain function from
 * (producing context, event type, event data) to a stable `kind`, a human summary and a few
 * details. Nothing here reads a database or knows a producer's code: the data has already been
 * validated against the producer's contract when the contract is known (sources.ts).
 *
 * A context added later needs no change here: its events get the default entry
 * (`<CONTEXT>_<EVENT_TYPE>`, e.g. LOYALTY_POINTS_EARNED, summary "Loyalty: points earned") with
 * the details picked by name from its data (status, channel, amount, points, reason). A line in
 * DESCRIBE below only gives an event a better summary or kind.
 */

/** The details an entry may carry; every one is optional and read from the event's data by name unless DESCRIBE says otherwise. */
export interface EntryDetails {
  /** The case's status the event tells (an order's or reservation's), e.g. CONFIRMED. */
  status?: string | null;
  /** A message's channel (LOG, TELEGRAM, KAKAO, WEBHOOK). */
  channel?: string | null;
  /** Money, KRW (whole won): an order's amount, a charge, a refund. */
  amount?: number | null;
  /** Reward points granted. */
  points?: number | null;
  /** Why: a cancellation's reason, a failure's reason. */
  reason?: string | null;
}

export interface EntryFacts extends EntryDetails {
  /** Stable code of what happened; clients switch on it (see KNOWN_KINDS). */
  kind: string;
  /** One sentence for a person. */
  summary: string;
}

type Data = Record<string, unknown>;
type Describe = (d: Data) => Partial<EntryFacts> | null;

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const human = (code: unknown) => String(code ?? '').toLowerCase().replace(/_/g, ' ');

/**
 * The events known by name, per producing context and event type. `null`: the event is not a
 * fact about an order or a reservation (a product's price, stock arriving) and gets no entry.
 * Keyed by context name as a property (not a dotted subject) so the open-architecture check,
 * which looks for other code that names an optional context's modules, stays meaningful.
 */
const DESCRIBE: Record<string, Record<string, Describe>> = {
  catalog: {
    ProductAdded: () => null,
  },
  ordering: {
    OrderPlaced: (d) => ({ kind: 'ORDER_PLACED', summary: `Order placed: ${d.qty} × ${d.productName}` }),
    OrderStatusChanged: (d) => ({ kind: 'ORDER_STATUS_CHANGED', summary: `Order status: ${human(d.previousStatus)} → ${human(d.status)}` }),
    OrderCancelled: (d) => ({ kind: 'CANCELLATION_REQUESTED', summary: d.reason ? `Cancellation requested: ${d.reason}` : 'Cancellation requested' }),
  },
  payment: {
    PaymentApproved: () => ({ kind: 'PAYMENT_CHARGED', summary: 'Payment charged' }),
    PaymentVoided: (d) => ({ kind: 'PAYMENT_VOIDED', summary: d.wasCharged ? 'Payment voided (the charge was reversed)' : 'Payment voided (nothing was charged)' }),
    PaymentCancelled: (d) => ({
      kind: 'PAYMENT_REFUNDED',
      summary: int(d.refundedAmount) ? 'Payment refunded' : 'Payment cancelled (nothing had been charged)',
      amount: int(d.refundedAmount),
    }),
  },
  delivery: {
    DeliveryAccepted: () => ({ kind: 'STORE_ACCEPTED', summary: 'The store accepted the order' }),
    ProductionStarted: () => ({ kind: 'PRODUCTION_STARTED', summary: 'Production started' }),
    DeliveryStarted: () => ({ kind: 'SHIPPED', summary: 'Shipped: out for delivery' }),
    DeliveryCompleted: () => ({ kind: 'DELIVERED', summary: 'Delivered' }),
    DeliveryCancelled: () => ({ kind: 'DELIVERY_CANCELLED', summary: 'Delivery cancelled' }),
    DeliveryCancellationRefused: (d) => ({ kind: 'DELIVERY_CANCELLATION_REFUSED', summary: `Delivery could not be cancelled: ${human(d.reason)}`, status: str(d.status) }),
  },
  notification: {
    MessageSent: (d) => ({ kind: 'MESSAGE_SENT', summary: `Message sent on ${human(d.channel)}: ${human(d.status)}` }),
    MessageFailed: (d) => ({ kind: 'MESSAGE_FAILED', summary: `Message failed on ${human(d.channel)}: ${human(d.status)}`, reason: str(d.error) }),
  },
  inventory: {
    StockReceived: () => null,
    StockReserved: () => ({ kind: 'STOCK_RESERVED', summary: 'A copy is held in stock' }),
    StockReservationFailed: (d) => ({ kind: 'STOCK_RESERVATION_FAILED', summary: `No copy could be held: ${human(d.reason)}` }),
    StockReleased: () => ({ kind: 'STOCK_RELEASED', summary: 'The held copy went back to stock' }),
  },
  rental: {
    ReservationRequested: (d) => ({ kind: 'RESERVATION_REQUESTED', summary: `Reservation requested: ${d.title}` }),
    ReservationConfirmed: () => ({ kind: 'RESERVATION_CONFIRMED', summary: 'Reservation confirmed' }),
    ReservationFailed: (d) => ({ kind: 'RESERVATION_FAILED', summary: `Reservation failed: ${human(d.reason)}` }),
    ReservationCancelled: () => ({ kind: 'RESERVATION_CANCELLED', summary: 'Reservation cancelled' }),
  },
  rewards: {
    MissionCompleted: (d) => ({ kind: 'MISSION_COMPLETED', summary: `Mission completed: ${human(d.kind)}`, status: null }),
    RewardGranted: (d) => ({ kind: 'REWARD_GRANTED', summary: `Reward granted: ${d.points} points` }),
    // Progress an order made (1 of 3); not a mission's announcement (0 of n) nor its completion
    // (MissionCompleted tells that) nor its later message bookkeeping.
    MissionUpdated: (d) =>
      d.status === 'IN_PROGRESS' && typeof d.progress === 'number' && d.progress > 0
        ? { kind: 'MISSION_PROGRESSED', summary: `Mission ${human(d.kind)}: ${d.progress} of ${d.target}`, status: null }
        : null,
  },
};

/** Every kind DESCRIBE gives (a client may switch on these; any other kind is a default entry). */
export const KNOWN_KINDS: string[] = [
  ...new Set(
    Object.values(DESCRIBE)
      .flatMap((byType) => Object.values(byType))
      .map((describe) => describe(new Proxy({}, { get: () => undefined }))?.kind)
      .filter((k): k is string => !!k),
  ),
];

/**
 * Every event DESCRIBE names, with the data fields its line reads (recorded by running it on a
 * proxy): a test checks each against the producer's contract, so a renamed event or field fails there.
 */
export function describedEvents(): Array<{ context: string; type: string; reads: string[] }> {
  return Object.entries(DESCRIBE).flatMap(([context, byType]) =>
    Object.entries(byType).map(([type, describe]) => {
      const reads = new Set<string>();
      describe(new Proxy({}, { get: (_t, key) => (typeof key === 'string' && reads.add(key), undefined) }));
      return { context, type, reads: [...reads] };
    }),
  );
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The default entry of an event DESCRIBE does not name: kind from context and type, summary from the type's words. */
export function defaultFacts(context: string, type: string): EntryFacts {
  const words = snake(type).toLowerCase().replace(/_/g, ' ');
  return { kind: `${snake(context)}_${snake(type)}`, summary: `${context.charAt(0).toUpperCase()}${context.slice(1)}: ${words}` };
}

/** Details read from the data by their common names, for every event (DESCRIBE may override them). */
export function detailsOf(d: Data): EntryDetails {
  return { status: str(d.status), channel: str(d.channel), amount: int(d.amount), points: int(d.points), reason: str(d.reason) };
}

/**
 * The entry for one event, or null when the event is no fact about a case (DESCRIBE says so).
 * @param context the producing context (the subject's first token), e.g. `delivery`
 * @param type the envelope's type, e.g. `DeliveryStarted`
 * @param data the envelope's data (validated against its contract when the contract is known)
 */
export function describeEvent(context: string, type: string, data: unknown): EntryFacts | null {
  const d = data && typeof data === 'object' ? (data as Data) : {};
  const describe = DESCRIBE[context]?.[type];
  if (!describe) return { ...detailsOf(d), ...defaultFacts(context, type) };
  const facts = describe(d);
  if (!facts) return null;
  return { ...detailsOf(d), ...defaultFacts(context, type), ...facts } as EntryFacts;
}

/** The case an event's data names as its own (its correlation id), with who it belongs to; null when it names none. */
export function caseOf(correlationId: string, data: unknown): { kind: 'ORDER' | 'RESERVATION'; customerId: string | null; storeId: string | null } | null {
  const d = data && typeof data === 'object' ? (data as Data) : {};
  const kind = d.orderId === correlationId ? 'ORDER' : d.reservationId === correlationId ? 'RESERVATION' : null;
  if (!kind) return null;
  return { kind, customerId: str(d.customerId), storeId: kind === 'ORDER' ? str(d.storeId) : null };
}
