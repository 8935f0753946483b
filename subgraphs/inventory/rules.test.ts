import { DomainError, ErrorCode } from '../../platform/errors';
import { available, canReserveOne, defaultInstanceId, MAX_RECEIVE_QTY, validateReceiveStock } from './rules';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).extensions;
  }
  throw new Error('expected a DomainError');
};

describe('receiveStock input', () => {
  test('a known shape passes, trimmed', () => {
    expect(validateReceiveStock({ productId: ' book-1984 ', qty: 5 })).toEqual({ productId: 'book-1984', qty: 5 });
    expect(validateReceiveStock({ productId: 'b', qty: MAX_RECEIVE_QTY })).toEqual({ productId: 'b', qty: 10_000 });
  });

  test.each([
    ['qty 0', { productId: 'b', qty: 0 }, 'qty'],
    ['negative qty', { productId: 'b', qty: -3 }, 'qty'],
    ['fractional qty', { productId: 'b', qty: 1.5 }, 'qty'],
    ['qty over the maximum', { productId: 'b', qty: MAX_RECEIVE_QTY + 1 }, 'qty'],
    ['blank product', { productId: '  ', qty: 1 }, 'productId'],
    ['over-long product id', { productId: 'x'.repeat(65), qty: 1 }, 'productId'],
    ['missing product', { qty: 1 }, 'productId'],
  ])('%s is BAD_USER_INPUT naming the field', (_name, input, field) => {
    expect(codeOf(() => validateReceiveStock(input))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field });
  });
});

describe('stock arithmetic', () => {
  test('available is on hand minus reserved', () => {
    expect(available({ onHand: 5, reserved: 0 })).toBe(5);
    expect(available({ onHand: 5, reserved: 5 })).toBe(0);
  });

  test('one copy can be reserved only while one is free', () => {
    expect(canReserveOne({ onHand: 1, reserved: 0 })).toBe(true);
    expect(canReserveOne({ onHand: 5, reserved: 4 })).toBe(true);
    expect(canReserveOne({ onHand: 5, reserved: 5 })).toBe(false);
    expect(canReserveOne({ onHand: 0, reserved: 0 })).toBe(false);
  });

  test('the default instance id names host and process', () => {
    expect(defaultInstanceId()).toMatch(new RegExp(`-${process.pid}$`));
  });
});
