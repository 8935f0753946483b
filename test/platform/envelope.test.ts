// Unit tests of the event envelope and contracts (platform/events.ts); no infrastructure.
import { z } from 'zod';
import { createEnvelope, defineEvent, envelopeSchema, parseEvent, streamName, streamSubjects } from '../../platform/events';

const ThingShipped = defineEvent({
  context: 'warehouse',
  name: 'thing-shipped',
  version: 2,
  data: z.object({ thingId: z.string().min(1), count: z.number().int().positive() }),
});

describe('defineEvent', () => {
  test('derives subject, stream and type from context, kebab-case name and version', () => {
    expect(ThingShipped).toMatchObject({ subject: 'warehouse.thing-shipped.v2', stream: 'WAREHOUSE', type: 'ThingShipped', version: 2 });
    expect(defineEvent({ context: 'ordering', name: 'placed', version: 1, data: z.object({}) })).toMatchObject({
      subject: 'ordering.placed.v1',
      type: 'Placed',
    });
    expect(defineEvent({ context: 'ordering', name: 'order-status-changed', version: 1, data: z.object({}) }).type).toBe('OrderStatusChanged');
  });

  test('the stream of a context covers every subject the context defines', () => {
    expect(streamName('ordering')).toBe('ORDERING');
    expect(streamSubjects('ordering')).toEqual(['ordering.>']);
  });

  test.each([
    ['an upper-case context', 'Ordering', 'order-placed'],
    ['a context with a dot', 'ordering.eu', 'order-placed'],
    ['a context with a dash', 'order-ing', 'order-placed'],
    ['an empty context', '', 'order-placed'],
    ['a camelCase name', 'ordering', 'orderPlaced'],
    ['a snake_case name', 'ordering', 'order_placed'],
    ['a name with a dot', 'ordering', 'order.placed'],
    ['a name with a trailing dash', 'ordering', 'order-placed-'],
    ['a name with a double dash', 'ordering', 'order--placed'],
    ['a name with a wildcard', 'ordering', 'order-*'],
    ['a name with a digit', 'ordering', 'order-placed2'],
    ['an empty name', 'ordering', ''],
  ])('rejects %s', (_what, context, name) => {
    expect(() => defineEvent({ context, name, version: 1, data: z.object({}) })).toThrow(/^Bad event name/);
  });

  test.each([0, -1, 1.5, Number.NaN])('rejects version %p: the subject would not be <context>.<name>.v<n> and every consumer would refuse the envelope', (version) => {
    expect(() => defineEvent({ context: 'ordering', name: 'order-placed', version, data: z.object({}) })).toThrow(/^Bad event version/);
  });
});

describe('createEnvelope', () => {
  test('event ids are UUIDv7 and sort in creation order (indexes keyed by event id grow at their right edge)', () => {
    const ids = Array.from({ length: 1000 }, () => createEnvelope(ThingShipped, { thingId: 't', count: 1 }, { correlationId: 'o' }).id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('fills id, type, version, occurredAt, correlation and causation ids', () => {
    const before = Date.now();
    const env = createEnvelope(ThingShipped, { thingId: 't-1', count: 3 }, { correlationId: 'order-1', causationId: 'evt-0' });
    expect(env).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: 'ThingShipped',
      version: 2,
      occurredAt: expect.any(String),
      correlationId: 'order-1',
      causationId: 'evt-0',
      data: { thingId: 't-1', count: 3 },
    });
    expect(new Date(env.occurredAt).toISOString()).toBe(env.occurredAt);
    expect(new Date(env.occurredAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(envelopeSchema.safeParse(env).success).toBe(true);
  });

  test('a first cause has causationId null; every envelope gets its own id', () => {
    const a = createEnvelope(ThingShipped, { thingId: 't-1', count: 1 }, { correlationId: 'c' });
    const b = createEnvelope(ThingShipped, { thingId: 't-1', count: 1 }, { correlationId: 'c' });
    expect(a.causationId).toBeNull();
    expect(a.id).not.toBe(b.id);
  });

  test('strips fields the contract does not know (the producer publishes only its contract)', () => {
    const env = createEnvelope(ThingShipped, { thingId: 't-1', count: 1, secret: 'x' } as never, { correlationId: 'c' });
    expect(env.data).toEqual({ thingId: 't-1', count: 1 });
  });

  test.each([
    ['a missing field', { thingId: 't-1' }, /count/],
    ['a wrong type', { thingId: 't-1', count: '3' }, /count/],
    ['a value out of range', { thingId: 't-1', count: 0 }, /count/],
    ['an empty string', { thingId: '', count: 1 }, /thingId/],
  ])('rejects data with %s', (_what, data, field) => {
    expect(() => createEnvelope(ThingShipped, data as never, { correlationId: 'c' })).toThrow(field);
  });

  test('rejects a blank correlation or causation id: no consumer would accept the envelope', () => {
    expect(() => createEnvelope(ThingShipped, { thingId: 't-1', count: 1 }, { correlationId: '' })).toThrow(/correlationId/);
    expect(() => createEnvelope(ThingShipped, { thingId: 't-1', count: 1 }, { correlationId: 'c', causationId: '' })).toThrow(/causationId/);
  });

  test('what createEnvelope makes, parseEvent accepts (round trip through JSON)', () => {
    const env = createEnvelope(ThingShipped, { thingId: 't-1', count: 3 }, { correlationId: 'order-1' });
    expect(parseEvent(ThingShipped, JSON.stringify(env))).toEqual(env);
  });
});

describe('parseEvent', () => {
  const valid = () => createEnvelope(ThingShipped, { thingId: 't-1', count: 3 }, { correlationId: 'order-1', causationId: 'evt-0' });
  const raw = (over: Record<string, unknown>) => JSON.stringify({ ...valid(), ...over });

  test('rejects bytes that are not JSON, with a readable message', () => {
    expect(() => parseEvent(ThingShipped, 'not json')).toThrow(/^Not an event: .*JSON/);
  });

  test.each([
    ['an array', '[]', /expected object/],
    ['a missing id', raw({ id: undefined }), /id/],
    ['an id that is not a uuid', raw({ id: 'abc' }), /id/],
    ['a non-integer version', raw({ version: 2.5 }), /version/],
    ['a bad occurredAt', raw({ occurredAt: 'yesterday' }), /occurredAt/],
    ['a blank correlationId', raw({ correlationId: '' }), /correlationId/],
    ['a missing causationId', raw({ causationId: undefined }), /causationId/],
  ])('rejects an envelope with %s, naming the field in a readable message', (_what, text, field) => {
    let error: Error | undefined;
    try {
      parseEvent(ThingShipped, text);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeDefined();
    expect(error!.message).toMatch(/^Not an event envelope: /);
    expect(error!.message).toMatch(field);
    // Readable: prose, not a JSON dump of issues.
    expect(error!.message).not.toMatch(/"code":/);
  });

  test('rejects another type or another version of the contract', () => {
    expect(() => parseEvent(ThingShipped, raw({ type: 'ThingLost' }))).toThrow('Expected ThingShipped v2, got ThingLost v2');
    expect(() => parseEvent(ThingShipped, raw({ version: 1 }))).toThrow('Expected ThingShipped v2, got ThingShipped v1');
    expect(() => parseEvent(ThingShipped, raw({ version: 3 }))).toThrow('Expected ThingShipped v2, got ThingShipped v3');
  });

  test('rejects data violating the contract, naming the field', () => {
    expect(() => parseEvent(ThingShipped, raw({ data: { thingId: 't-1', count: -1 } }))).toThrow(/^ThingShipped v2 violates its contract: [\s\S]*count/);
    expect(() => parseEvent(ThingShipped, raw({ data: { count: 1 } }))).toThrow(/^ThingShipped v2 violates its contract: [\s\S]*thingId/);
    expect(() => parseEvent(ThingShipped, raw({ data: null }))).toThrow(/^ThingShipped v2 violates its contract/);
  });

  test('returns the envelope with the data as the contract parses it', () => {
    const lenient = defineEvent({ context: 'warehouse', name: 'thing-counted', version: 1, data: z.object({ n: z.number() }) });
    const env = createEnvelope(lenient, { n: 1 }, { correlationId: 'c' });
    // A consumer reads only what it needs: fields a newer producer added are dropped, not refused.
    const parsed = parseEvent(lenient, JSON.stringify({ ...env, data: { n: 1, addedLater: true } }));
    expect(parsed).toEqual({ ...env, data: { n: 1 } });
  });
});
