import { DomainError, ErrorCode } from '../../platform/errors';
import { assertTransition, canTransition, DELIVERY_STATUSES, type DeliveryStatus } from './rules';

const pairs = DELIVERY_STATUSES.flatMap((from) => DELIVERY_STATUSES.map((to) => [from, to] as [DeliveryStatus, DeliveryStatus]));
const isAllowed = (from: DeliveryStatus, to: DeliveryStatus) => from === 'WAITING' && to === 'ACCEPTED';

describe('delivery status transitions', () => {
  test('the statuses are the two of the schema', () => {
    expect([...DELIVERY_STATUSES]).toEqual(['WAITING', 'ACCEPTED']);
  });

  test('WAITING → ACCEPTED is allowed', () => {
    expect(canTransition('WAITING', 'ACCEPTED')).toBe(true);
    expect(() => assertTransition('WAITING', 'ACCEPTED')).not.toThrow();
  });

  test.each(pairs.filter(([f, t]) => !isAllowed(f, t)))('%s → %s is refused with INVALID_STATE_TRANSITION', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      assertTransition(from, to);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe(ErrorCode.INVALID_STATE_TRANSITION);
    expect((thrown as DomainError).extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from, to });
  });
});
