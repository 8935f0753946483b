import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type EnumTypeDefinitionNode } from 'graphql';
import { DomainError, ErrorCode } from '../../platform/errors';
import { assertStep, assertTransition, canTransition, cancelDecision, DELIVERY_STATUSES, STEPS, type DeliveryStatus, type Step } from './rules';

const pairs = DELIVERY_STATUSES.flatMap((from) => DELIVERY_STATUSES.map((to) => [from, to] as [DeliveryStatus, DeliveryStatus]));
const allowed = new Set([
  'WAITING→ACCEPTED',
  'ACCEPTED→IN_PRODUCTION',
  'ACCEPTED→SHIPPED',
  'IN_PRODUCTION→SHIPPED',
  'SHIPPED→DELIVERED',
  'WAITING→CANCELLED',
  'ACCEPTED→CANCELLED',
  'IN_PRODUCTION→CANCELLED',
]);

function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('delivery status transitions', () => {
  test('the statuses are those of the schema', () => {
    const sdl = parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8'));
    const e = sdl.definitions.find((d) => d.kind === 'EnumTypeDefinition' && d.name.value === 'DeliveryStatus') as EnumTypeDefinitionNode;
    expect([...DELIVERY_STATUSES]).toEqual(e.values!.map((v) => v.name.value));
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

describe('the actors’ steps', () => {
  test('the store accepts and produces, the courier ships and completes; no actor cancels', () => {
    expect(STEPS).toEqual({
      accept: { to: 'ACCEPTED', actor: 'store', startsWork: true },
      startProduction: { to: 'IN_PRODUCTION', actor: 'store', startsWork: true },
      startDelivery: { to: 'SHIPPED', actor: 'courier', startsWork: true },
      completeDelivery: { to: 'DELIVERED', actor: 'courier', startsWork: false },
    });
  });

  test.each<[string, Step, DeliveryStatus]>([
    ['complete before the delivery started', 'completeDelivery', 'ACCEPTED'],
    ['start the delivery twice', 'startDelivery', 'SHIPPED'],
    ['complete twice', 'completeDelivery', 'DELIVERED'],
    ['produce twice', 'startProduction', 'IN_PRODUCTION'],
    ['produce before accepting', 'startProduction', 'WAITING'],
    ['ship before accepting', 'startDelivery', 'WAITING'],
    ['act on a cancelled delivery', 'startDelivery', 'CANCELLED'],
    ['accept a cancelled delivery', 'accept', 'CANCELLED'],
    ['complete a cancelled delivery', 'completeDelivery', 'CANCELLED'],
    ['produce after shipping', 'startProduction', 'SHIPPED'],
  ])('%s is INVALID_STATE_TRANSITION', (_name, step, from) => {
    expect(domainErrorOf(() => assertStep(step, from, false)).extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from, to: STEPS[step].to });
  });

  test.each<[Step, DeliveryStatus]>([
    ['accept', 'WAITING'],
    ['startProduction', 'ACCEPTED'],
    ['startDelivery', 'ACCEPTED'],
    ['startDelivery', 'IN_PRODUCTION'],
  ])('%s from %s is refused once the order’s cancellation was seen', (step, from) => {
    expect(() => assertStep(step, from, false)).not.toThrow();
    expect(domainErrorOf(() => assertStep(step, from, true)).extensions).toMatchObject({
      code: 'INVALID_STATE_TRANSITION',
      from,
      to: STEPS[step].to,
      reason: 'CANCELLATION_REQUESTED',
    });
  });

  test('a courier who left before the cancellation was seen still completes the delivery', () => {
    expect(() => assertStep('completeDelivery', 'SHIPPED', true)).not.toThrow();
  });
});

describe('cancelDecision (the saga at delivery)', () => {
  test.each<DeliveryStatus>(['WAITING', 'ACCEPTED', 'IN_PRODUCTION'])('%s: cancelled', (s) => {
    expect(cancelDecision(s)).toEqual({ kind: 'cancel' });
    expect(canTransition(s, 'CANCELLED')).toBe(true);
  });
  test('SHIPPED: refused, the delivery has started', () => {
    expect(cancelDecision('SHIPPED')).toEqual({ kind: 'refuse', reason: 'DELIVERY_ALREADY_STARTED' });
  });
  test('DELIVERED: refused, it was delivered', () => {
    expect(cancelDecision('DELIVERED')).toEqual({ kind: 'refuse', reason: 'DELIVERY_COMPLETED' });
  });
  test('CANCELLED: already done, nothing more', () => {
    expect(cancelDecision('CANCELLED')).toEqual({ kind: 'already' });
  });
});
