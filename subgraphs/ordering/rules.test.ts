import { DomainError, ErrorCode } from '../../platform/errors';
import { assertTransition, canTransition, MAX_QTY, orderAmount, ORDER_STATUSES, validatePlaceOrder, type OrderStatus } from './rules';

const allowed = new Set(['PENDING→PAID', 'PENDING→REJECTED', 'PAID→CONFIRMED']);
const pairs = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as [OrderStatus, OrderStatus]));

/** Runs fn and returns the DomainError it throws; fails the test when it throws nothing or something else. */
function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('order status transitions', () => {
  test('the statuses are the four of the schema', () => {
    expect([...ORDER_STATUSES].sort()).toEqual(['CONFIRMED', 'PAID', 'PENDING', 'REJECTED']);
  });

  test.each(pairs.filter(([f, t]) => allowed.has(`${f}→${t}`)))('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  test.each(pairs.filter(([f, t]) => !allowed.has(`${f}→${t}`)))('%s → %s is refused with INVALID_STATE_TRANSITION', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const e = domainErrorOf(() => assertTransition(from, to));
    expect(e.code).toBe(ErrorCode.INVALID_STATE_TRANSITION);
    expect(e.extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from, to });
  });

  test('exactly three transitions exist', () => {
    expect(pairs.filter(([f, t]) => canTransition(f, t)).map(([f, t]) => `${f}→${t}`).sort()).toEqual([...allowed].sort());
  });
});

describe('validatePlaceOrder', () => {
  test('valid input comes back trimmed', () => {
    expect(validatePlaceOrder({ customerId: '  c-1 ', productId: '\tcake  ', qty: 3 })).toEqual({ customerId: 'c-1', productId: 'cake', qty: 3 });
  });

  test('the bounds 1 and MAX_QTY are accepted', () => {
    expect(validatePlaceOrder({ customerId: 'c', productId: 'p', qty: 1 }).qty).toBe(1);
    expect(validatePlaceOrder({ customerId: 'c', productId: 'p', qty: MAX_QTY }).qty).toBe(MAX_QTY);
    expect(MAX_QTY).toBe(100);
  });

  const good = { customerId: 'c-1', productId: 'cake', qty: 1 };
  const long = 'x'.repeat(65);
  const bad: Array<[string, unknown, string]> = [
    ['qty 0', { ...good, qty: 0 }, 'qty'],
    ['qty -1', { ...good, qty: -1 }, 'qty'],
    ['qty 1.5', { ...good, qty: 1.5 }, 'qty'],
    ['qty 101', { ...good, qty: 101 }, 'qty'],
    ['qty missing', { customerId: 'c-1', productId: 'cake' }, 'qty'],
    ['qty a string', { ...good, qty: '2' }, 'qty'],
    ['qty NaN', { ...good, qty: Number.NaN }, 'qty'],
    ['qty null', { ...good, qty: null }, 'qty'],
    ['customerId blank', { ...good, customerId: '   ' }, 'customerId'],
    ['customerId empty', { ...good, customerId: '' }, 'customerId'],
    ['customerId missing', { productId: 'cake', qty: 1 }, 'customerId'],
    ['customerId too long', { ...good, customerId: long }, 'customerId'],
    ['customerId a number', { ...good, customerId: 7 }, 'customerId'],
    ['productId blank', { ...good, productId: ' \t ' }, 'productId'],
    ['productId missing', { customerId: 'c-1', qty: 1 }, 'productId'],
    ['productId too long', { ...good, productId: long }, 'productId'],
  ];
  test.each(bad)('%s → BAD_USER_INPUT naming the field', (_name, input, field) => {
    const e = domainErrorOf(() => validatePlaceOrder(input));
    expect(e.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(e.extensions.field).toBe(field);
    expect(e.message).toMatch(new RegExp(`^${field} `));
  });

  test('64 characters (after trimming) is still accepted', () => {
    expect(validatePlaceOrder({ ...good, customerId: ` ${'c'.repeat(64)} ` }).customerId).toHaveLength(64);
  });

  test.each([null, undefined, 'cake', 42, []])('a non-object input (%p) is BAD_USER_INPUT', (input) => {
    expect(domainErrorOf(() => validatePlaceOrder(input)).code).toBe(ErrorCode.BAD_USER_INPUT);
  });
});

describe('orderAmount', () => {
  test.each([
    [25000, 1, 25000],
    [2000, 5, 10000],
    [0, 3, 0],
    [4500, 100, 450000],
  ])('%i × %i = %i', (price, qty, amount) => {
    expect(orderAmount(price, qty)).toBe(amount);
  });
});
