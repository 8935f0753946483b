// timeline's rules without processes: which contexts it reads, how an event becomes an entry,
// how a case's owner is found, the documented order of a timeline.
import { createEnvelope } from '../../platform/events';
import { PermanentError } from '../../platform/errors';
import { OrderPlaced } from '../ordering/contracts';
import { caseOf, describedEvents, describeEvent, KNOWN_KINDS } from './entries';
import { discoverSources, parseFrom } from './sources';
import { compareEntries } from './timelines';

test('every context of the registry that exports contracts is a source; one without (mypage) is not', () => {
  const sources = discoverSources();
  expect(sources.map((s) => s.context).sort()).toEqual(['catalog', 'delivery', 'inventory', 'notification', 'ordering', 'payment', 'rental', 'rewards']);
  expect(sources.find((s) => s.context === 'ordering')!.stream).toBe('ORDERING');
  expect([...sources.find((s) => s.context === 'ordering')!.contracts.keys()]).toContain('OrderPlaced.v1');
});

test('a context added later is read without a change here: its contracts module is found by name', () => {
  const sources = discoverSources(['loyalty', 'nothing'], (c) => (c === 'loyalty' ? { PointsEarned: { ...OrderPlaced, subject: 'loyalty.points-earned.v1', type: 'PointsEarned' } } : undefined));
  expect(sources.map((s) => [s.context, s.stream])).toEqual([['loyalty', 'LOYALTY']]);
});

const orderId = 'o-1';
const placed = () =>
  createEnvelope(
    OrderPlaced,
    { orderId, customerId: 'c-1', productId: 'cake', productName: 'cake', storeId: 'sunrise-bakery', qty: 2, unitPrice: 25000, amount: 50000, paymentId: 'p-1', status: 'PAID', version: 2, placedAt: '2026-11-30T10:00:00.000Z' },
    { correlationId: orderId },
  );

test('known events are checked against their producer\'s contract; unknown types pass with their data as sent', () => {
  const ordering = discoverSources().find((s) => s.context === 'ordering')!;
  expect(parseFrom(ordering, JSON.stringify(placed())).data).toMatchObject({ orderId, amount: 50000 });
  const broken = { ...placed(), data: { orderId } };
  expect(() => parseFrom(ordering, JSON.stringify(broken))).toThrow(PermanentError);
  expect(() => parseFrom(ordering, 'not json')).toThrow(PermanentError);
  const unknown = { ...placed(), type: 'OrderGiftWrapped', data: { anything: true } };
  expect(parseFrom(ordering, JSON.stringify(unknown)).data).toEqual({ anything: true });
});

test('an event becomes an entry: kind, summary and details by name; product facts and mission announcements are none', () => {
  expect(describeEvent('ordering', 'OrderPlaced', placed().data)).toEqual({
    kind: 'ORDER_PLACED',
    summary: 'Order placed: 2 × cake',
    status: 'PAID',
    channel: null,
    amount: 50000,
    points: null,
    reason: null,
  });
  expect(describeEvent('payment', 'PaymentCancelled', { refundedAmount: 25000 })).toMatchObject({ kind: 'PAYMENT_REFUNDED', amount: 25000, summary: 'Payment refunded' });
  expect(describeEvent('payment', 'PaymentCancelled', { refundedAmount: 0 })).toMatchObject({ summary: 'Payment cancelled (nothing had been charged)', amount: 0 });
  expect(describeEvent('notification', 'MessageSent', { channel: 'TELEGRAM', status: 'SHIPPED' })).toMatchObject({ kind: 'MESSAGE_SENT', channel: 'TELEGRAM', summary: 'Message sent on telegram: shipped' });
  expect(describeEvent('rewards', 'RewardGranted', { points: 100 })).toMatchObject({ kind: 'REWARD_GRANTED', points: 100 });
  expect(describeEvent('rewards', 'MissionUpdated', { kind: 'THREE_ORDERS', status: 'IN_PROGRESS', progress: 0, target: 3 })).toBeNull();
  expect(describeEvent('rewards', 'MissionUpdated', { kind: 'THREE_ORDERS', status: 'IN_PROGRESS', progress: 1, target: 3 })).toMatchObject({ kind: 'MISSION_PROGRESSED', summary: 'Mission three orders: 1 of 3' });
  expect(describeEvent('catalog', 'ProductAdded', {})).toBeNull();
  // The default for what no line describes: a new context's event, or a new event of a known one.
  expect(describeEvent('loyalty', 'PointsEarned', { points: 30, amount: 'not a number' })).toEqual({
    kind: 'LOYALTY_POINTS_EARNED',
    summary: 'Loyalty: points earned',
    status: null,
    channel: null,
    amount: null,
    points: 30,
    reason: null,
  });
  expect(KNOWN_KINDS).toEqual(expect.arrayContaining(['ORDER_PLACED', 'SHIPPED', 'DELIVERED', 'PAYMENT_REFUNDED', 'REWARD_GRANTED', 'RESERVATION_CONFIRMED']));
  expect(KNOWN_KINDS).not.toContain('MISSION_PROGRESSED'); // described only for some data: not in the static list
});

test('a case is the event\'s correlation id when its data names it as the order or the reservation', () => {
  expect(caseOf(orderId, placed().data)).toEqual({ kind: 'ORDER', customerId: 'c-1', storeId: 'sunrise-bakery' });
  expect(caseOf('r-1', { reservationId: 'r-1', customerId: 'c-2', storeId: 'x' })).toEqual({ kind: 'RESERVATION', customerId: 'c-2', storeId: null });
  expect(caseOf('m-1', { missionId: 'm-1', customerId: 'c-1' })).toBeNull();
});

test('the documented order: event time, then stream sequence (unknown last), then event id', () => {
  const at = (t: string, seq: number | null, id: string) => ({ occurredAt: new Date(t), streamSequence: seq === null ? null : BigInt(seq), eventId: id }) as never;
  const entries = [
    at('2026-11-30T10:00:01.000Z', 1, 'a'),
    at('2026-11-30T10:00:00.000Z', null, 'b'),
    at('2026-11-30T10:00:00.000Z', 7, 'c'),
    at('2026-11-30T10:00:00.000Z', 7, 'a'),
    at('2026-11-30T10:00:00.000Z', 3, 'z'),
  ];
  expect([...entries].sort(compareEntries).map((e: any) => `${e.eventId}${e.streamSequence ?? '-'}`)).toEqual(['z3', 'a7', 'c7', 'b-', 'a1']);
});

test('every event timeline describes is one its producer exports, and every field it reads is in that contract', () => {
  const sources = new Map(discoverSources().map((s) => [s.context, s]));
  const problems: string[] = [];
  for (const { context, type, reads } of describedEvents()) {
    const contract = [...(sources.get(context)?.contracts.values() ?? [])].find((c) => c.type === type);
    if (!contract) {
      problems.push(`${context} exports no ${type}`);
      continue;
    }
    const shape = (contract.data as unknown as { shape?: Record<string, unknown> }).shape ?? {};
    for (const field of reads) if (!(field in shape)) problems.push(`${context}.${type} has no field ${field}`);
  }
  expect(problems).toEqual([]);
  expect(describedEvents().find((e) => e.type === 'OrderPlaced')!.reads).toEqual(expect.arrayContaining(['qty', 'productName']));
});
