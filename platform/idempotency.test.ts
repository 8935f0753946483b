// The pure parts of idempotency keys: key validation and the canonical input hash.
import { canonicalJson, keyedCall, requestHash } from './idempotency';

const customer = { role: 'customer' as const, sub: 'c-1' };

test('no header: no keyed call (behaviour as without keys)', () => {
  expect(keyedCall(undefined, customer, 'placeOrder', {})).toBeUndefined();
});

test.each([
  ['empty', ''],
  ['256 characters', 'k'.repeat(256)],
  ['a control character', 'a\u0001b'],
  ['non-ASCII', 'clé'],
])('a key that is %s → BAD_USER_INPUT on field Idempotency-Key', (_, key) => {
  expect(() => keyedCall(key, customer, 'placeOrder', {})).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'Idempotency-Key' } }));
});

test('a key is scoped to the caller: role and subject', () => {
  const k = keyedCall('k-1', customer, 'placeOrder', { qty: 1 })!;
  expect(k).toMatchObject({ scope: 'customer:c-1', key: 'k-1', operation: 'placeOrder' });
  expect(keyedCall('k-1', { role: 'admin', sub: 'c-1' }, 'placeOrder', { qty: 1 })!.scope).not.toBe(k.scope);
  expect(keyedCall(' '.repeat(1) + 'x'.repeat(254), customer, 'placeOrder', {})).toBeDefined();
});

test('the hash is of the canonical input: key order and undefined fields do not matter; values and the operation do', () => {
  expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
  expect(requestHash('placeOrder', { qty: 1, productId: 'cake' })).toBe(requestHash('placeOrder', { productId: 'cake', qty: 1, note: undefined }));
  expect(requestHash('placeOrder', { qty: 1, productId: 'cake' })).not.toBe(requestHash('placeOrder', { qty: 2, productId: 'cake' }));
  expect(requestHash('placeOrder', { productId: 'cake' })).not.toBe(requestHash('requestReservation', { productId: 'cake' }));
});
