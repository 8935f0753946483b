import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type EnumTypeDefinitionNode } from 'graphql';
import { DomainError, ErrorCode } from '../../platform/errors';
import {
  assertCancellable,
  assertTransition,
  canTransition,
  cancellability,
  deliveryProgress,
  MAX_QTY,
  orderAmount,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  validateCancelOrder,
  validatePlaceOrder,
  type DeliveryProgress,
  type OrderStatus,
} from './rules';

const allowed = new Set([
  'PENDING→PAID',
  'PENDING→REJECTED',
  'PAID→CONFIRMED',
  'CONFIRMED→IN_PRODUCTION',
  'CONFIRMED→SHIPPED',
  'IN_PRODUCTION→SHIPPED',
  'SHIPPED→DELIVERED',
  'PAID→CANCELLING',
  'CONFIRMED→CANCELLING',
  'IN_PRODUCTION→CANCELLING',
  'CANCELLING→CANCELLED',
  'CANCELLING→CANCELLATION_FAILED',
]);
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
  test('the statuses are those of the schema, and the payment methods too', () => {
    const sdl = parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8'));
    const values = (name: string) =>
      (sdl.definitions.find((d) => d.kind === 'EnumTypeDefinition' && d.name.value === name) as EnumTypeDefinitionNode).values!.map((v) => v.name.value);
    expect([...ORDER_STATUSES]).toEqual(values('OrderStatus'));
    expect([...PAYMENT_METHODS]).toEqual(values('PaymentMethod'));
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

  test('exactly these transitions exist', () => {
    expect(pairs.filter(([f, t]) => canTransition(f, t)).map(([f, t]) => `${f}→${t}`).sort()).toEqual([...allowed].sort());
  });
});

describe('validatePlaceOrder', () => {
  const good = { customerId: 'c-1', productId: 'cake', qty: 1 };
  test('valid input comes back trimmed; payment by credit card and no address (collected at the store) unless given', () => {
    expect(validatePlaceOrder({ customerId: '  c-1 ', productId: '\tcake  ', qty: 3 })).toEqual({
      customerId: 'c-1',
      productId: 'cake',
      qty: 3,
      paymentMethod: 'CREDIT_CARD',
      deliveryAddress: null,
    });
    expect(validatePlaceOrder({ customerId: 'c-1', productId: 'cake', qty: 1, paymentMethod: null, deliveryAddress: null })).toMatchObject({
      paymentMethod: 'CREDIT_CARD',
      deliveryAddress: null,
    });
  });

  test('the seed\'s pizza order: a payment method and an address, trimmed', () => {
    expect(
      validatePlaceOrder({ customerId: '10', productId: 'pepperoniPizza', qty: 1, paymentMethod: 'KAKAO_PAY', deliveryAddress: '  ThewellI007Ho ' }),
    ).toEqual({ customerId: '10', productId: 'pepperoniPizza', qty: 1, paymentMethod: 'KAKAO_PAY', deliveryAddress: 'ThewellI007Ho' });
    expect(validatePlaceOrder({ ...good, deliveryAddress: 'a'.repeat(200) }).deliveryAddress).toHaveLength(200);
    for (const m of PAYMENT_METHODS) expect(validatePlaceOrder({ ...good, paymentMethod: m }).paymentMethod).toBe(m);
  });

  test('the bounds 1 and MAX_QTY are accepted', () => {
    expect(validatePlaceOrder({ customerId: 'c', productId: 'p', qty: 1 }).qty).toBe(1);
    expect(validatePlaceOrder({ customerId: 'c', productId: 'p', qty: MAX_QTY }).qty).toBe(MAX_QTY);
    expect(MAX_QTY).toBe(100);
  });

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
    ['paymentMethod unknown', { ...good, paymentMethod: 'CreditCard' }, 'paymentMethod'],
    ['paymentMethod lower case', { ...good, paymentMethod: 'credit_card' }, 'paymentMethod'],
    ['paymentMethod a number', { ...good, paymentMethod: 1 }, 'paymentMethod'],
    ['deliveryAddress blank', { ...good, deliveryAddress: '   ' }, 'deliveryAddress'],
    ['deliveryAddress empty', { ...good, deliveryAddress: '' }, 'deliveryAddress'],
    ['deliveryAddress too long', { ...good, deliveryAddress: 'a'.repeat(201) }, 'deliveryAddress'],
    ['deliveryAddress with a newline', { ...good, deliveryAddress: 'Main St 1\nFloor 2' }, 'deliveryAddress'],
    ['deliveryAddress a number', { ...good, deliveryAddress: 42 }, 'deliveryAddress'],
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

describe('cancellability', () => {
  test.each<OrderStatus>(['PAID', 'CONFIRMED', 'IN_PRODUCTION'])('%s: the cancellation starts', (status) => {
    expect(cancellability(status)).toEqual({ kind: 'cancel' });
    expect(assertCancellable('o-1', status)).toBe('cancel');
  });

  test.each<OrderStatus>(['CANCELLING', 'CANCELLED'])('%s: cancelling again is harmless (no second saga)', (status) => {
    expect(assertCancellable('o-1', status)).toBe('already');
  });

  test.each<OrderStatus>(['PENDING', 'REJECTED', 'SHIPPED', 'DELIVERED', 'CANCELLATION_FAILED'])('%s: ORDER_NOT_CANCELLABLE naming the order and status', (status) => {
    const e = domainErrorOf(() => assertCancellable('o-1', status));
    expect(e.code).toBe(ErrorCode.ORDER_NOT_CANCELLABLE);
    expect(e.extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', orderId: 'o-1', status });
  });

  test('every status has an answer, and a cancellation starts only where CANCELLING may follow', () => {
    for (const s of ORDER_STATUSES) expect(cancellability(s).kind === 'cancel').toBe(canTransition(s, 'CANCELLING'));
  });
});

describe('validateCancelOrder', () => {
  test('trims the order id; a reason is optional, blank means none', () => {
    expect(validateCancelOrder({ orderId: ' o-1 ' })).toEqual({ orderId: 'o-1', reason: null });
    expect(validateCancelOrder({ orderId: 'o-1', reason: '  ' })).toEqual({ orderId: 'o-1', reason: null });
    expect(validateCancelOrder({ orderId: 'o-1', reason: ' changed my mind ' })).toEqual({ orderId: 'o-1', reason: 'changed my mind' });
  });

  test.each<[string, unknown, string]>([
    ['blank orderId', { orderId: '  ' }, 'orderId'],
    ['missing orderId', {}, 'orderId'],
    ['orderId too long', { orderId: 'o'.repeat(65) }, 'orderId'],
    ['reason too long', { orderId: 'o-1', reason: 'r'.repeat(201) }, 'reason'],
    ['reason with control characters', { orderId: 'o-1', reason: 'a\u0007b' }, 'reason'],
  ])('%s → BAD_USER_INPUT naming the field', (_name, input, field) => {
    const e = domainErrorOf(() => validateCancelOrder(input));
    expect(e.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(e.extensions.field).toBe(field);
  });
});

describe('deliveryProgress', () => {
  const p = (accepted: boolean, productionStarted: boolean, shipped: boolean, delivered: boolean): DeliveryProgress => ({ accepted, productionStarted, shipped, delivered });
  const accepted = p(true, false, false, false);
  const producing = p(true, true, false, false);
  const shippedAfterProduction = p(true, true, true, false);
  const shippedDirectly = p(true, false, true, false);
  const delivered = p(true, true, true, true);

  test.each<[string, OrderStatus, DeliveryProgress, OrderStatus[]]>([
    ['accepted, in order', 'PAID', accepted, ['CONFIRMED']],
    ['production, in order', 'CONFIRMED', producing, ['IN_PRODUCTION']],
    ['shipped, in order', 'IN_PRODUCTION', shippedAfterProduction, ['SHIPPED']],
    ['a bookstore ships what it accepted', 'CONFIRMED', shippedDirectly, ['SHIPPED']],
    ['delivered, in order', 'SHIPPED', delivered, ['DELIVERED']],
    ['production overtook acceptance: both, in order', 'PAID', producing, ['CONFIRMED', 'IN_PRODUCTION']],
    ['completion overtook everything: every step, in order', 'PAID', delivered, ['CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED']],
    ['shipped overtook production', 'CONFIRMED', shippedAfterProduction, ['IN_PRODUCTION', 'SHIPPED']],
    ['a late acceptance changes nothing', 'IN_PRODUCTION', accepted, []],
    ['a late production start changes nothing', 'DELIVERED', producing, []],
    ['a repeated step changes nothing', 'SHIPPED', shippedDirectly, []],
  ])('%s', (_name, current, progress, statuses) => {
    expect(deliveryProgress(current, progress)).toEqual({ kind: 'apply', statuses });
    // Every status it applies may follow the one before.
    let from = current;
    for (const to of statuses) {
      expect(canTransition(from, to)).toBe(true);
      from = to;
    }
  });

  test.each<OrderStatus>(['CANCELLING', 'CANCELLED', 'CANCELLATION_FAILED'])('%s: delivery progress is only noted; the saga decides', (status) => {
    expect(deliveryProgress(status, shippedDirectly)).toMatchObject({ kind: 'ignore' });
  });

  test.each<OrderStatus>(['PENDING', 'REJECTED'])('%s: delivery cannot know such an order (a bug or a lost database, not a race)', (status) => {
    expect(deliveryProgress(status, accepted)).toMatchObject({ kind: 'impossible' });
  });
});
