import { humanize, messageText, nextAttemptAfterFailure, parseChannelList, reservationMessageText, subjectRef } from './rules';

describe('messageText', () => {
  test('SHIPPED is seed 004 word for word: "<orderId> <customerId> Shipped..."', () => {
    expect(messageText({ orderId: '1', customerId: '33', status: 'SHIPPED' })).toBe('1 33 Shipped...');
  });

  test.each([
    ['PAID', 'o-1 c-1 Paid. Your order is placed.'],
    ['CONFIRMED', 'o-1 c-1 Confirmed. The store accepted your order.'],
    ['IN_PRODUCTION', 'o-1 c-1 In production. The store is preparing your order.'],
    ['DELIVERED', 'o-1 c-1 Delivered. Enjoy!'],
    ['CANCELLING', 'o-1 c-1 Cancelling. We are cancelling your order and its payment.'],
    ['CANCELLED', 'o-1 c-1 Cancelled. Your payment was refunded.'],
    ['CANCELLATION_FAILED', 'o-1 c-1 Cancellation failed. Your order goes on; please contact the store.'],
  ])('%s has its own text', (status, text) => {
    expect(messageText({ orderId: 'o-1', customerId: 'c-1', status })).toBe(text);
  });

  test('a status without a template (one ordering adds later) still reads well', () => {
    expect(messageText({ orderId: 'o-1', customerId: 'c-1', status: 'OUT_FOR_DELIVERY' })).toBe('o-1 c-1 Out for delivery.');
    expect(messageText({ orderId: 'o-1', customerId: 'c-1', status: 'ON-HOLD' })).toBe('o-1 c-1 On hold.');
    expect(messageText({ orderId: 'o-1', customerId: 'c-1', status: '_' })).toBe('o-1 c-1 Updated.');
  });

  test('humanize turns a status constant into words', () => {
    expect(humanize('IN_PRODUCTION')).toBe('In production');
    expect(humanize('SHIPPED')).toBe('Shipped');
    expect(humanize('')).toBe('');
  });
});

describe('reservationMessageText', () => {
  const r = { reservationId: 'r-1', customerId: 'c-1', title: '1984' };

  test.each([
    ['RESERVED', undefined, 'r-1 c-1 Reserved: 1984'],
    ['CANCELLED', undefined, 'r-1 c-1 Reservation cancelled: 1984'],
    ['FAILED', 'OUT_OF_STOCK', 'r-1 c-1 No copy available: 1984'],
    ['REQUESTED', undefined, 'r-1 c-1 Reservation requested: 1984'],
  ])('%s (%s) reads "<reservationId> <customerId> <what happened>: <title>"', (status, reason, text) => {
    expect(reservationMessageText({ ...r, status, reason })).toBe(text);
  });

  test('a failure for another reason (one rental adds later) names it; without a reason it is the lack of a copy', () => {
    expect(reservationMessageText({ ...r, status: 'FAILED', reason: 'CUSTOMER_BLOCKED' })).toBe('r-1 c-1 Reservation failed (customer blocked): 1984');
    expect(reservationMessageText({ ...r, status: 'FAILED' })).toBe('r-1 c-1 No copy available: 1984');
  });

  test('a status without a template still reads well; the title is kept as rental wrote it', () => {
    expect(reservationMessageText({ ...r, status: 'PICKED_UP' })).toBe('r-1 c-1 Reservation picked up: 1984');
    expect(reservationMessageText({ ...r, status: '_', title: 'The Little Prince: 75th Anniversary' })).toBe('r-1 c-1 Reservation updated: The Little Prince: 75th Anniversary');
  });
});

describe('subjectRef', () => {
  test('names the subject by the field its kind uses in events and webhooks', () => {
    expect(subjectRef('ORDER', 'o-1')).toEqual({ orderId: 'o-1' });
    expect(subjectRef('RESERVATION', 'r-1')).toEqual({ reservationId: 'r-1' });
  });
});

describe('parseChannelList (NOTIFY_CHANNELS)', () => {
  test('case-insensitive, blanks ignored, duplicates dropped, order kept', () => {
    expect(parseChannelList('log')).toEqual({ channels: ['LOG'] });
    expect(parseChannelList(' Telegram, log ,,LOG,kakao,webhook ')).toEqual({ channels: ['TELEGRAM', 'LOG', 'KAKAO', 'WEBHOOK'] });
  });

  test('an unknown channel is named in the error', () => {
    expect(parseChannelList('log,sms,fax')).toEqual({ error: 'unknown channel sms, fax (choose from log, webhook, telegram, kakao)' });
  });

  test('an empty list is an error, not "no messages"', () => {
    expect(parseChannelList(' , ')).toEqual({ error: 'lists no channel (choose from log, webhook, telegram, kakao)' });
  });
});

describe('nextAttemptAfterFailure', () => {
  const now = new Date('2026-11-21T10:00:00.000Z');
  const policy = { maxAttempts: 4, baseMs: 1000 };
  const delay = (attempts: number) => nextAttemptAfterFailure(attempts, policy, now)!.getTime() - now.getTime();

  test('retries with exponential back-off (±20 % jitter) until the last attempt', () => {
    expect(delay(1)).toBeGreaterThanOrEqual(800);
    expect(delay(1)).toBeLessThanOrEqual(1200);
    expect(delay(2)).toBeGreaterThanOrEqual(1600);
    expect(delay(2)).toBeLessThanOrEqual(2400);
    expect(delay(3)).toBeGreaterThanOrEqual(3200);
    expect(delay(3)).toBeLessThanOrEqual(4800);
  });

  test('gives up after maxAttempts sends', () => {
    expect(nextAttemptAfterFailure(4, policy, now)).toBeNull();
    expect(nextAttemptAfterFailure(9, policy, now)).toBeNull();
  });

  test('the wait is capped', () => {
    const capped = nextAttemptAfterFailure(30, { maxAttempts: 100, baseMs: 1000, capMs: 60_000 }, now)!;
    expect(capped.getTime() - now.getTime()).toBeLessThanOrEqual(72_000);
  });
});
