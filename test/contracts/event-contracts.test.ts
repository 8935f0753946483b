// Producers own their event contracts; consumers import them. For every policy a context
// registers, this checks that it consumes the producer's exported contract object, that an
// envelope the producer builds reaches the consumer intact, and that the handler finds every
// field it reads. A producer change that breaks a consumer fails here.
import { z } from 'zod';
import type { Policy } from '../../platform/consumer';
import { baseEnvSchema, parseEnv } from '../../platform/config';
import type { RawSql } from '../../platform/database';
import { createEnvelope, parseEvent, type Envelope, type EventContract } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import type { ContextParts, ContextSpec } from '../../platform/service';
import * as catalogContracts from '../../subgraphs/catalog/contracts';
import { catalogSeed } from '../../subgraphs/catalog/seed';
import { catalogSpec } from '../../subgraphs/catalog/service';
import * as deliveryContracts from '../../subgraphs/delivery/contracts';
import { openDeliveryOnOrderPlaced } from '../../subgraphs/delivery/policies';
import { deliverySpec } from '../../subgraphs/delivery/service';
import { addPlacedOrder, followStatus } from '../../subgraphs/mypage/policies';
import { mypageSpec } from '../../subgraphs/mypage/service';
import * as orderingContracts from '../../subgraphs/ordering/contracts';
import { confirmOnDeliveryAccepted, rememberProducts } from '../../subgraphs/ordering/policies';
import { orderingSpec } from '../../subgraphs/ordering/service';
import * as paymentContracts from '../../subgraphs/payment/contracts';
import { paymentSpec } from '../../subgraphs/payment/service';

type AnyPolicy = Policy<RawSql, EventContract>;

/** Each producing context's contracts module: the only place its events are defined. */
const producers: Record<string, Record<string, unknown>> = {
  catalog: catalogContracts,
  ordering: orderingContracts,
  payment: paymentContracts,
  delivery: deliveryContracts,
};

const specs = [catalogSpec, orderingSpec, paymentSpec, deliverySpec, mypageSpec] as unknown as ContextSpec<any, any, any, any>[];

/** The policies each context really registers, read from its service spec (built with inert dependencies). */
const built: Array<{ context: string; parts: ContextParts<any, any> }> = specs.map((spec) => {
  const config = parseEnv(spec.config ? z.intersection(baseEnvSchema, spec.config) : baseEnvSchema, {});
  const deps = { name: spec.name, db: {}, config, log: createLogger(spec.name, { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }), relay: { notify() {} }, js: {} };
  return { context: spec.name, parts: spec.build(deps as never) };
});
afterAll(async () => {
  for (const b of built) await b.parts.stop?.();
});

const orderId = '0b6f1d0e-6c1e-4f7e-9d55-3a2f8c1b9e01';
const placedAt = '2026-11-21T09:30:00.000Z';
const cake = catalogSeed[0].products.find((p) => p.id === 'cake')!;

/** A realistic event of each kind, as its producer builds it (validated by createEnvelope against the producer's schema). */
const samples = {
  productAdded: () => createEnvelope(catalogContracts.ProductAdded, { productId: cake.id, storeId: catalogSeed[0].id, name: cake.name, price: cake.price }, { correlationId: cake.id }),
  deliveryAccepted: () =>
    createEnvelope(
      deliveryContracts.DeliveryAccepted,
      { deliveryId: '5e0c7a4b-2f55-4b8e-a7a6-1e4d2c3b4a50', orderId, storeId: 'sunrise-bakery', acceptedAt: '2026-11-21T09:35:12.345Z' },
      { correlationId: orderId },
    ),
  orderPlaced: () =>
    createEnvelope(
      orderingContracts.OrderPlaced,
      {
        orderId,
        customerId: 'c-1',
        productId: 'cake',
        productName: 'cake',
        storeId: 'sunrise-bakery',
        qty: 2,
        unitPrice: 25000,
        amount: 50000,
        paymentId: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
        status: 'PAID',
        version: 2,
        placedAt,
      },
      { correlationId: orderId },
    ),
  orderStatusChanged: () =>
    createEnvelope(
      orderingContracts.OrderStatusChanged,
      { orderId, customerId: 'c-1', status: 'CONFIRMED', previousStatus: 'PAID', version: 3, changedAt: '2026-11-21T09:35:13.000Z' },
      { correlationId: orderId, causationId: 'f3e2d1c0-b9a8-4765-8432-10fedcba9876' },
    ),
};

/** A transaction that records what a handler asks of it and answers with canned rows. */
function recordingTx(answers: Record<string, (args: any) => unknown> = {}) {
  const calls: Array<{ op: string; args: unknown }> = [];
  const tx = new Proxy(
    {},
    {
      get(_t, model: string | symbol) {
        if (typeof model !== 'string' || model === 'then') return undefined;
        if (model === '$executeRaw' || model === '$queryRaw') {
          return (_sql: TemplateStringsArray, ...values: unknown[]) => {
            calls.push({ op: model, args: values });
            return Promise.resolve(model === '$executeRaw' ? 1 : []);
          };
        }
        return new Proxy(
          {},
          {
            get(_m, method: string | symbol) {
              return (args: unknown) => {
                const op = `${model}.${String(method)}`;
                calls.push({ op, args });
                return Promise.resolve(answers[op] ? answers[op](args) : {});
              };
            },
          },
        );
      },
    },
  );
  return { tx: tx as RawSql, calls };
}

/** Paths in what a handler wrote that hold undefined, NaN or an invalid date: a field it reads that the event did not carry. */
function holes(v: unknown, path = '$'): string[] {
  if (v === undefined) return [path];
  if (typeof v === 'number' && Number.isNaN(v)) return [path];
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? [path] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => holes(x, `${path}[${i}]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => holes(x, `${path}.${k}`));
  return [];
}

interface Use {
  consumer: string;
  policy: AnyPolicy;
  producer: string;
  /** The export name in subgraphs/<producer>/contracts.ts. */
  contract: string;
  sample: () => Envelope;
  answers?: Record<string, (args: any) => unknown>;
  /** What the handler must have done with the event. */
  effect(calls: Array<{ op: string; args: any }>, env: Envelope<any>): void;
}

const orderRow = { id: orderId, customerId: 'c-1', status: 'PAID', version: 2 };

const uses: Use[] = [
  {
    consumer: 'ordering',
    policy: rememberProducts as unknown as AnyPolicy,
    producer: 'catalog',
    contract: 'ProductAdded',
    sample: samples.productAdded,
    effect(calls, env) {
      expect(calls).toEqual([
        {
          op: 'catalogProduct.upsert',
          args: {
            where: { id: env.data.productId },
            create: { id: 'cake', storeId: 'sunrise-bakery', name: 'cake', price: 25000 },
            update: { storeId: 'sunrise-bakery', name: 'cake', price: 25000 },
          },
        },
      ]);
    },
  },
  {
    consumer: 'ordering',
    policy: confirmOnDeliveryAccepted as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryAccepted',
    sample: samples.deliveryAccepted,
    answers: {
      'order.findUnique': () => orderRow,
      'order.update': ({ data }) => ({ ...orderRow, status: data.status, version: 3, updatedAt: new Date('2026-11-21T09:35:14.000Z') }),
    },
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['order.findUnique', 'order.update', '$executeRaw']);
      expect(calls[0].args).toEqual({ where: { id: env.data.orderId } });
      expect(calls[1].args.data.status).toBe('CONFIRMED');
      // OrderStatusChanged goes to the outbox in the handler's transaction, caused by this event.
      const [, subject, , payload] = calls[2].args as [string, string, string, string];
      expect(subject).toBe(orderingContracts.OrderStatusChanged.subject);
      const written = parseEvent(orderingContracts.OrderStatusChanged, payload);
      expect(written).toMatchObject({ causationId: env.id, correlationId: orderId, data: { orderId, status: 'CONFIRMED', previousStatus: 'PAID', version: 3 } });
    },
  },
  {
    consumer: 'delivery',
    policy: openDeliveryOnOrderPlaced as unknown as AnyPolicy,
    producer: 'ordering',
    contract: 'OrderPlaced',
    sample: samples.orderPlaced,
    effect(calls) {
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        op: 'delivery.upsert',
        args: { where: { orderId }, create: { orderId, storeId: 'sunrise-bakery', customerId: 'c-1', item: 'cake', qty: 2, status: 'WAITING' }, update: {} },
      });
    },
  },
  {
    consumer: 'mypage',
    policy: addPlacedOrder as unknown as AnyPolicy,
    producer: 'ordering',
    contract: 'OrderPlaced',
    sample: samples.orderPlaced,
    effect(calls, env) {
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        op: 'orderView.upsert',
        args: {
          where: { orderId },
          create: {
            orderId,
            customerId: 'c-1',
            productId: 'cake',
            item: 'cake',
            qty: 2,
            unitPrice: 25000,
            amount: 50000,
            storeId: 'sunrise-bakery',
            paymentId: env.data.paymentId,
            status: 'PAID',
            version: 2,
            placedAt: new Date(placedAt),
          },
        },
      });
    },
  },
  {
    consumer: 'mypage',
    policy: followStatus as unknown as AnyPolicy,
    producer: 'ordering',
    contract: 'OrderStatusChanged',
    sample: samples.orderStatusChanged,
    answers: { 'orderView.updateMany': () => ({ count: 1 }) },
    effect(calls) {
      expect(calls).toEqual([{ op: 'orderView.updateMany', args: { where: { orderId, version: { lt: 3 } }, data: { status: 'CONFIRMED', version: 3 } } }]);
    },
  },
];

test('the table covers exactly the policies the contexts register', () => {
  const registered = built.flatMap(({ context, parts }) => (parts.policies ?? []).map((p) => ({ context, p })));
  expect(registered.map(({ context, p }) => `${context}: ${p.name}`).sort()).toEqual(uses.map((u) => `${u.consumer}: ${u.policy.name}`).sort());
  for (const { context, p } of registered) expect(uses.some((u) => u.consumer === context && u.policy === p)).toBe(true);
});

test('durable consumer names (<context>--<policy>) are unique within a context', () => {
  for (const { context, parts } of built) {
    const names = (parts.policies ?? []).map((p) => `${context}--${p.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z]+--[a-z]+(-[a-z]+)*$/);
  }
});

describe.each(uses.map((u) => [`${u.consumer} ← ${u.producer}.${u.contract} (${u.policy.name})`, u] as const))('%s', (_title, use) => {
  test('consumes the producer’s exported contract object, on the producer’s stream', () => {
    const exported = producers[use.producer][use.contract];
    expect(exported).toBeDefined();
    expect(use.policy.event).toBe(exported);
    expect(use.policy.event.subject.split('.')[0]).toBe(use.producer);
    expect(use.policy.event.stream).toBe(use.producer.toUpperCase());
    expect(use.policy.event.subject).toMatch(/^[a-z]+\.[a-z]+(-[a-z]+)*\.v\d+$/);
  });

  test('an envelope the producer builds parses for the consumer, unchanged, after the trip through JSON', () => {
    const env = use.sample();
    expect(env.type).toBe(use.contract);
    const received = parseEvent(use.policy.event, JSON.stringify(env));
    expect(received).toEqual(env);
  });

  test('the handler finds every field it reads and does what the policy says', async () => {
    const env = parseEvent(use.policy.event, JSON.stringify(use.sample()));
    const { tx, calls } = recordingTx(use.answers);
    await use.policy.handle(tx, env.data, env);
    expect(calls.length).toBeGreaterThan(0);
    expect(holes(calls.map((c) => c.args))).toEqual([]);
    use.effect(calls, env);
  });

  test('an envelope missing any field of the contract is refused by the consumer', () => {
    const env = use.sample();
    for (const key of Object.keys(env.data as object)) {
      const { [key]: _dropped, ...rest } = env.data as Record<string, unknown>;
      expect(() => parseEvent(use.policy.event, JSON.stringify({ ...env, data: rest }))).toThrow(/violates its contract/);
    }
  });

  test('another version or type of the event is refused, not misread', () => {
    const env = use.sample();
    expect(() => parseEvent(use.policy.event, JSON.stringify({ ...env, version: env.version + 1 }))).toThrow(/Expected .* v\d+, got/);
    expect(() => parseEvent(use.policy.event, JSON.stringify({ ...env, type: 'SomethingElse' }))).toThrow(/Expected/);
  });
});
