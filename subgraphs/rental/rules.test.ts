import { DomainError, ErrorCode } from '../../platform/errors';
import { assertCancellable, canTransition, isCancellable, RESERVATION_STATUSES, validateRequest, validateReservationId, type ReservationStatus } from './rules';

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).extensions;
  }
  throw new Error('expected a DomainError');
};

const allowed: Array<[ReservationStatus, ReservationStatus]> = [
  ['REQUESTED', 'RESERVED'],
  ['REQUESTED', 'FAILED'],
  ['REQUESTED', 'CANCELLED'],
  ['RESERVED', 'CANCELLED'],
];
const pairs = RESERVATION_STATUSES.flatMap((from) => RESERVATION_STATUSES.map((to) => [from, to] as [ReservationStatus, ReservationStatus]));

describe('reservation status transitions', () => {
  test.each(allowed)('%s → %s is allowed', (from, to) => expect(canTransition(from, to)).toBe(true));

  test.each(pairs.filter(([f, t]) => !allowed.some(([a, b]) => a === f && b === t)))('%s → %s is not', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  test('REQUESTED and RESERVED can be cancelled; FAILED and CANCELLED are RESERVATION_NOT_CANCELLABLE', () => {
    expect(isCancellable('REQUESTED')).toBe(true);
    expect(isCancellable('RESERVED')).toBe(true);
    expect(() => assertCancellable('r-1', 'RESERVED')).not.toThrow();
    for (const status of ['FAILED', 'CANCELLED'] as const) {
      expect(errorOf(() => assertCancellable('r-1', status))).toEqual({ code: ErrorCode.RESERVATION_NOT_CANCELLABLE, reservationId: 'r-1', status });
    }
  });
});

describe('requestReservation input', () => {
  test('ids are trimmed', () => {
    expect(validateRequest({ customerId: ' c-1 ', productId: 'book-1984' })).toEqual({ customerId: 'c-1', productId: 'book-1984' });
  });

  test.each([
    ['blank customer', { customerId: ' ', productId: 'b' }, 'customerId'],
    ['missing customer', { productId: 'b' }, 'customerId'],
    ['over-long customer', { customerId: 'c'.repeat(65), productId: 'b' }, 'customerId'],
    ['blank product', { customerId: 'c', productId: '' }, 'productId'],
    ['a number for a product', { customerId: 'c', productId: 7 }, 'productId'],
  ])('%s is BAD_USER_INPUT naming the field', (_n, input, field) => {
    expect(errorOf(() => validateRequest(input))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field });
  });

  test('a blank reservation id is BAD_USER_INPUT', () => {
    expect(validateReservationId(' r-1 ')).toBe('r-1');
    expect(errorOf(() => validateReservationId('  '))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field: 'id' });
  });
});
