import { approveRequest, parseLatency } from './payments';

describe('parseLatency (PAYMENT_LATENCY_MS)', () => {
  test.each<[string, [number, number]]>([
    ['0', [0, 0]],
    ['400-620', [400, 620]],
    [' 250 ', [250, 250]],
    ['400 - 620', [400, 620]],
    ['300-300', [300, 300]],
  ])('%p → %p', (spec, range) => {
    expect(parseLatency(spec)).toEqual(range);
  });

  test.each(['', ' ', 'abc', 'fast', '-5', '1.5', '400-', '-620', '400-620-700', '400..620', '1e3', '400,620'])('%p is refused', (spec) => {
    expect(() => parseLatency(spec)).toThrow(/PAYMENT_LATENCY_MS must look like/);
  });

  test.each(['620-400', '1-0'])('a reversed range %p is refused', (spec) => {
    expect(() => parseLatency(spec)).toThrow(/reversed/);
  });
});

describe('approveRequest (the internal endpoint body)', () => {
  test('accepts an order, a customer and a whole amount; the method defaults to credit card', () => {
    expect(approveRequest.parse({ orderId: 'o-1', customerId: 'c-1', amount: 25000 })).toEqual({ orderId: 'o-1', customerId: 'c-1', amount: 25000, method: 'CREDIT_CARD' });
    expect(approveRequest.parse({ orderId: 'o-1', customerId: 'c-1', amount: 1, method: 'KAKAO_PAY' }).method).toBe('KAKAO_PAY');
  });

  test.each([
    ['no orderId', { customerId: 'c-1', amount: 1 }],
    ['empty customerId', { orderId: 'o-1', customerId: '', amount: 1 }],
    ['negative amount', { orderId: 'o-1', customerId: 'c-1', amount: -1 }],
    ['fractional amount', { orderId: 'o-1', customerId: 'c-1', amount: 1.5 }],
    ['amount as a string', { orderId: 'o-1', customerId: 'c-1', amount: '1' }],
    ['orderId too long', { orderId: 'o'.repeat(65), customerId: 'c-1', amount: 1 }],
    ['an unknown method', { orderId: 'o-1', customerId: 'c-1', amount: 1, method: 'CreditCard' }],
  ])('refuses %s', (_name, body) => {
    expect(approveRequest.safeParse(body).success).toBe(false);
  });
});
