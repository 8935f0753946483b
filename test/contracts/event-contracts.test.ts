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
import { deliverySpec } from '../../subgraphs/delivery/service';
import { addPlacedOrder, followStatus } from '../../subgraphs/mypage/policies';
import { mypageSpec } from '../../subgraphs/mypage/service';
import * as orderingContracts from '../../subgraphs/ordering/contracts';
import { cancelOnPaymentCancelled, openDeliveryOnOrderPlaced, stopOnOrderCancelled } from '../../subgraphs/delivery/policies';
import {
  completeCancellation,
  confirmOnDeliveryAccepted,
  failCancellation,
  followDeliveryCompleted,
  followDeliveryStarted,
  followProductionStarted,
  rememberProducts,
} from '../../subgraphs/ordering/policies';
import { cancelOnOrderCancelled } from '../../subgraphs/payment/policies';
import { orderingSpec } from '../../subgraphs/ordering/service';
import * as paymentContracts from '../../subgraphs/payment/contracts';
import { paymentSpec } from '../../subgraphs/payment/service';
import * as inventoryContracts from '../../subgraphs/inventory/contracts';
import { rememberProducts as inventoryRemembersProducts } from '../../subgraphs/inventory/policies';
import { inventorySpec } from '../../subgraphs/inventory/service';
import * as rentalContracts from '../../subgraphs/rental/contracts';
import { confirmOnStockReserved, failOnStockReservationFailed, rememberProducts as rentalRemembersProducts } from '../../subgraphs/rental/policies';
import { rentalSpec } from '../../subgraphs/rental/service';
import * as notificationContracts from '../../subgraphs/notification/contracts';
import { notificationSpec } from '../../subgraphs/notification/service';
import * as rewardsContracts from '../../subgraphs/rewards/contracts';
import { countPaidOrder, recordMessageSent, updateMissionView } from '../../subgraphs/rewards/policies';
import { rewardsSpec } from '../../subgraphs/rewards/service';
import { reservationCancelled, reservationConfirmed, reservationFailed, reservationRequested } from '../../subgraphs/mypage/reservation-views';
import { countOnStockReceived, countOnStockReleased, countOnStockReserved, titleFromCatalog } from '../../subgraphs/mypage/stock-list';

type AnyPolicy = Policy<RawSql, EventContract>;

/** Each producing context's contracts module: the only place its events are defined. */
const producers: Record<string, Record<string, unknown>> = {
  catalog: catalogContracts,
  ordering: orderingContracts,
  payment: paymentContracts,
  delivery: deliveryContracts,
  inventory: inventoryContracts,
  rental: rentalContracts,
  rewards: rewardsContracts,
  notification: notificationContracts,
};

const specs = [catalogSpec, orderingSpec, paymentSpec, deliverySpec, mypageSpec, inventorySpec, rentalSpec, notificationSpec, rewardsSpec] as unknown as ContextSpec<any, any, any, any>[];

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
function recordingTx(answers: Record<string, (args: any, sql?: string) => unknown> = {}) {
  const calls: Array<{ op: string; args: unknown }> = [];
  const tx = new Proxy(
    {},
    {
      get(_t, model: string | symbol) {
        if (typeof model !== 'string' || model === 'then') return undefined;
        if (model === '$executeRaw' || model === '$queryRaw') {
          return (sql: TemplateStringsArray, ...values: unknown[]) => {
            calls.push({ op: model, args: values });
            // A raw answer may depend on the statement: (values, the SQL with its parameters as $).
            const answer = answers[model];
            return Promise.resolve(answer ? answer(values, sql.join('$')) : model === '$executeRaw' ? 1 : []);
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
  answers?: Record<string, (args: any, sql?: string) => unknown>;
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

// ---- seed 001: book reservations (inventory, rental, mypage's stock list and reservation views) ----

const reservationId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const book = { productId: 'book-1984', storeId: 'city-library', name: '1984', price: 1000, storeKind: 'LIBRARY' as const };
const stockLevel = { productId: book.productId, onHand: 5, reserved: 1, available: 4, version: 2 };
const reservationSnapshot = { reservationId, customerId: 'c-1', productId: book.productId, title: book.name, requestedAt: '2026-11-21T10:00:00.000Z' };
const requestEventId = '3f2b8c1d-9e4a-4b7c-8d6e-5a4b3c2d1e0f';
const reservationSamples = {
  bookAdded: () => createEnvelope(catalogContracts.ProductAdded, book, { correlationId: book.productId }),
  stockReceived: () =>
    createEnvelope(inventoryContracts.StockReceived, { ...stockLevel, reserved: 0, available: 5, version: 1, qty: 5, receivedAt: '2026-11-21T09:59:00.000Z' }, { correlationId: book.productId }),
  stockReserved: () =>
    createEnvelope(
      inventoryContracts.StockReserved,
      { ...stockLevel, reservationId, customerId: 'c-1', reservedAt: '2026-11-21T10:00:01.000Z' },
      { correlationId: reservationId, causationId: requestEventId },
    ),
  stockReservationFailed: () =>
    createEnvelope(
      inventoryContracts.StockReservationFailed,
      { ...stockLevel, reserved: 5, available: 0, reservationId, customerId: 'c-1', reason: 'OUT_OF_STOCK', failedAt: '2026-11-21T10:00:01.000Z' },
      { correlationId: reservationId, causationId: requestEventId },
    ),
  stockReleased: () =>
    createEnvelope(
      inventoryContracts.StockReleased,
      { ...stockLevel, reserved: 0, available: 5, version: 3, reservationId, customerId: 'c-1', releasedAt: '2026-11-21T10:05:00.000Z' },
      { correlationId: reservationId },
    ),
  reservationRequested: () =>
    createEnvelope(rentalContracts.ReservationRequested, { ...reservationSnapshot, status: 'REQUESTED', version: 1 }, { correlationId: reservationId }),
  reservationConfirmed: () =>
    createEnvelope(
      rentalContracts.ReservationConfirmed,
      { ...reservationSnapshot, status: 'RESERVED', version: 2, confirmedAt: '2026-11-21T10:00:02.000Z' },
      { correlationId: reservationId },
    ),
  reservationFailed: () =>
    createEnvelope(
      rentalContracts.ReservationFailed,
      { ...reservationSnapshot, status: 'FAILED', version: 2, reason: 'OUT_OF_STOCK', failedAt: '2026-11-21T10:00:02.000Z' },
      { correlationId: reservationId },
    ),
  reservationCancelled: () =>
    createEnvelope(
      rentalContracts.ReservationCancelled,
      { ...reservationSnapshot, status: 'CANCELLED', previousStatus: 'RESERVED', version: 3, cancelledAt: '2026-11-21T10:05:00.000Z' },
      { correlationId: reservationId },
    ),
};

/** A policy as the context registers it (inventory builds its stock policies with its INSTANCE_ID). */
const registeredPolicy = (context: string, name: string) => {
  const p = built.find((b) => b.context === context)!.parts.policies!.find((x) => x.name === name);
  if (!p) throw new Error(`${context} registers no policy ${name}`);
  return p as AnyPolicy;
};

/** The outbox row a handler wrote: [id, subject, stream, payload, correlationId]. */
const outboxOf = (calls: Array<{ op: string; args: any }>, contract: EventContract) => {
  const rows = calls.filter((c) => c.op === '$executeRaw' && c.args[1] === contract.subject);
  expect(rows).toHaveLength(1);
  return parseEvent(contract, rows[0].args[3]);
};

const stockRow = { productId: book.productId, onHand: 5, reserved: 1, version: 2, updatedAt: new Date('2026-11-21T10:00:01.000Z') };
const reservationRow = (status: string) => ({
  id: reservationId,
  customerId: 'c-1',
  productId: book.productId,
  title: book.name,
  status,
  failureReason: status === 'FAILED' ? 'OUT_OF_STOCK' : null,
  version: 2,
  requestedAt: new Date(reservationSnapshot.requestedAt),
  updatedAt: new Date('2026-11-21T10:00:02.000Z'),
});
/** mypage's stock line upsert: values are (productId, available, onHand, version). */
const stockLineWrite = (calls: Array<{ op: string; args: any }>, env: Envelope<any>) =>
  expect(calls).toEqual([{ op: '$executeRaw', args: [env.data.productId, env.data.available, env.data.onHand, env.data.version] }]);
/** mypage's reservation view upsert: every field of the snapshot, the version guarding the update. */
const reservationViewWrite = (calls: Array<{ op: string; args: any }>, env: Envelope<any>) =>
  expect(calls).toEqual([
    {
      op: '$executeRaw',
      args: [reservationId, 'c-1', 'book-1984', '1984', env.data.status, env.data.reason ?? null, env.data.version, new Date(reservationSnapshot.requestedAt)],
    },
  ]);

uses.push(
  {
    consumer: 'inventory',
    policy: inventoryRemembersProducts as unknown as AnyPolicy,
    producer: 'catalog',
    contract: 'ProductAdded',
    sample: reservationSamples.bookAdded,
    effect(calls) {
      expect(calls).toEqual([
        { op: 'catalogProduct.upsert', args: { where: { id: 'book-1984' }, create: { id: 'book-1984', storeId: 'city-library', name: '1984', storeKind: 'LIBRARY' }, update: { storeId: 'city-library', name: '1984', storeKind: 'LIBRARY' } } },
      ]);
    },
  },
  {
    consumer: 'inventory',
    policy: registeredPolicy('inventory', 'reservation-requested'),
    producer: 'rental',
    contract: 'ReservationRequested',
    sample: reservationSamples.reservationRequested,
    // The hold is claimed and the conditional UPDATE takes a copy.
    answers: { $queryRaw: () => [stockRow] },
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['$executeRaw', '$queryRaw', 'stockHold.update', 'stockMovement.create', '$executeRaw']);
      expect(calls[0].args.slice(0, 3)).toEqual([reservationId, 'book-1984', 'c-1']);
      expect(calls[1].args).toEqual(['book-1984']);
      expect(calls[3].args.data).toMatchObject({ kind: 'RESERVED', qty: 1, reservationId, causationId: env.id, version: 2 });
      expect(outboxOf(calls, inventoryContracts.StockReserved)).toMatchObject({
        correlationId: reservationId,
        causationId: env.id,
        data: { reservationId, customerId: 'c-1', productId: 'book-1984', onHand: 5, reserved: 1, available: 4, version: 2 },
      });
    },
  },
  {
    consumer: 'inventory',
    policy: registeredPolicy('inventory', 'reservation-cancelled'),
    producer: 'rental',
    contract: 'ReservationCancelled',
    sample: reservationSamples.reservationCancelled,
    // The reservation's hold exists and holds a copy: it is released.
    answers: {
      $executeRaw: (_values, sql) => (/INSERT INTO "StockHold"/.test(sql ?? '') ? 0 : 1),
      $queryRaw: (_values, sql) => (/FROM "StockHold"/.test(sql ?? '') ? [{ productId: 'book-1984', status: 'RESERVED' }] : [{ ...stockRow, reserved: 0, version: 3 }]),
    },
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['$executeRaw', '$queryRaw', '$queryRaw', 'stockHold.update', 'stockMovement.create', '$executeRaw']);
      expect(calls[3].args).toEqual({ where: { reservationId }, data: { status: 'RELEASED' } });
      expect(outboxOf(calls, inventoryContracts.StockReleased)).toMatchObject({
        causationId: env.id,
        data: { reservationId, customerId: 'c-1', productId: 'book-1984', onHand: 5, reserved: 0, available: 5, version: 3 },
      });
    },
  },
  {
    consumer: 'rental',
    policy: rentalRemembersProducts as unknown as AnyPolicy,
    producer: 'catalog',
    contract: 'ProductAdded',
    sample: reservationSamples.bookAdded,
    effect(calls) {
      expect(calls).toEqual([
        { op: 'catalogProduct.upsert', args: { where: { id: 'book-1984' }, create: { id: 'book-1984', storeId: 'city-library', name: '1984', storeKind: 'LIBRARY' }, update: { storeId: 'city-library', name: '1984', storeKind: 'LIBRARY' } } },
      ]);
    },
  },
  {
    consumer: 'rental',
    policy: confirmOnStockReserved as unknown as AnyPolicy,
    producer: 'inventory',
    contract: 'StockReserved',
    sample: reservationSamples.stockReserved,
    answers: { 'reservation.updateMany': () => ({ count: 1 }), 'reservation.findUniqueOrThrow': () => reservationRow('RESERVED') },
    effect(calls, env) {
      expect(calls[0]).toEqual({
        op: 'reservation.updateMany',
        args: { where: { id: reservationId, status: 'REQUESTED' }, data: { status: 'RESERVED', failureReason: null, version: { increment: 1 } } },
      });
      expect(outboxOf(calls, rentalContracts.ReservationConfirmed)).toMatchObject({ causationId: env.id, data: { reservationId, customerId: 'c-1', status: 'RESERVED', version: 2 } });
    },
  },
  {
    consumer: 'rental',
    policy: failOnStockReservationFailed as unknown as AnyPolicy,
    producer: 'inventory',
    contract: 'StockReservationFailed',
    sample: reservationSamples.stockReservationFailed,
    answers: { 'reservation.updateMany': () => ({ count: 1 }), 'reservation.findUniqueOrThrow': () => reservationRow('FAILED') },
    effect(calls, env) {
      expect(calls[0].args.data).toEqual({ status: 'FAILED', failureReason: 'OUT_OF_STOCK', version: { increment: 1 } });
      expect(outboxOf(calls, rentalContracts.ReservationFailed)).toMatchObject({ causationId: env.id, data: { reservationId, status: 'FAILED', reason: 'OUT_OF_STOCK' } });
    },
  },
  {
    consumer: 'mypage',
    policy: titleFromCatalog as unknown as AnyPolicy,
    producer: 'catalog',
    contract: 'ProductAdded',
    sample: reservationSamples.bookAdded,
    effect(calls) {
      expect(calls).toEqual([
        {
          op: 'stockItem.upsert',
          args: { where: { productId: 'book-1984' }, create: { productId: 'book-1984', title: '1984', storeId: 'city-library' }, update: { title: '1984', storeId: 'city-library' } },
        },
      ]);
    },
  },
  { consumer: 'mypage', policy: countOnStockReceived as unknown as AnyPolicy, producer: 'inventory', contract: 'StockReceived', sample: reservationSamples.stockReceived, effect: stockLineWrite },
  { consumer: 'mypage', policy: countOnStockReserved as unknown as AnyPolicy, producer: 'inventory', contract: 'StockReserved', sample: reservationSamples.stockReserved, effect: stockLineWrite },
  { consumer: 'mypage', policy: countOnStockReleased as unknown as AnyPolicy, producer: 'inventory', contract: 'StockReleased', sample: reservationSamples.stockReleased, effect: stockLineWrite },
  ...(
    [
      [reservationRequested, 'ReservationRequested', reservationSamples.reservationRequested],
      [reservationConfirmed, 'ReservationConfirmed', reservationSamples.reservationConfirmed],
      [reservationFailed, 'ReservationFailed', reservationSamples.reservationFailed],
      [reservationCancelled, 'ReservationCancelled', reservationSamples.reservationCancelled],
    ] as const
  ).map(([p, contract, sample]) => ({ consumer: 'mypage', policy: p as unknown as AnyPolicy, producer: 'rental', contract, sample, effect: reservationViewWrite })),
);

// Notification's policies are built for its configured channels (here the default, log): taken from its built parts.
const notificationPolicy = (name: string) => built.find((b) => b.context === 'notification')!.parts.policies!.find((p) => p.name === name) as AnyPolicy;
const messageFor = (env: Envelope<any>, status: string, subjectVersion: number, subjectKind: 'ORDER' | 'RESERVATION' = 'ORDER', subjectId = orderId) => ({
  op: 'message.upsert',
  args: {
    where: { subjectKind_subjectId_subjectVersion_channel: { subjectKind, subjectId, subjectVersion, channel: 'LOG' } },
    create: expect.objectContaining({ subjectKind, subjectId, customerId: 'c-1', status, subjectVersion, channel: 'LOG', deliveryStatus: 'PENDING', eventId: env.id }),
    update: {},
  },
});
uses.push(
  {
    consumer: 'notification',
    policy: notificationPolicy('order-placed'),
    producer: 'ordering',
    contract: 'OrderPlaced',
    sample: samples.orderPlaced,
    effect(calls, env) {
      expect(calls).toEqual([messageFor(env, 'PAID', 2)]);
      expect(calls[0].args.create.text).toBe(`${orderId} c-1 Paid. Your order is placed.`);
    },
  },
  {
    consumer: 'notification',
    policy: notificationPolicy('order-status-changed'),
    producer: 'ordering',
    contract: 'OrderStatusChanged',
    sample: samples.orderStatusChanged,
    effect(calls, env) {
      expect(calls).toEqual([messageFor(env, 'CONFIRMED', 3)]);
      expect(calls[0].args.create.text).toBe(`${orderId} c-1 Confirmed. The store accepted your order.`);
    },
  },
  // Issue 4: the customer is told a reservation's outcome.
  {
    consumer: 'notification',
    policy: notificationPolicy('reservation-confirmed'),
    producer: 'rental',
    contract: 'ReservationConfirmed',
    sample: reservationSamples.reservationConfirmed,
    effect(calls, env) {
      expect(calls).toEqual([messageFor(env, 'RESERVED', 2, 'RESERVATION', reservationId)]);
      expect(calls[0].args.create.text).toBe(`${reservationId} c-1 Reserved: 1984`);
    },
  },
  {
    consumer: 'notification',
    policy: notificationPolicy('reservation-failed'),
    producer: 'rental',
    contract: 'ReservationFailed',
    sample: reservationSamples.reservationFailed,
    effect(calls, env) {
      expect(calls).toEqual([messageFor(env, 'FAILED', 2, 'RESERVATION', reservationId)]);
      expect(calls[0].args.create.text).toBe(`${reservationId} c-1 No copy available: 1984`);
    },
  },
  {
    consumer: 'notification',
    policy: notificationPolicy('reservation-cancelled'),
    producer: 'rental',
    contract: 'ReservationCancelled',
    sample: reservationSamples.reservationCancelled,
    effect(calls, env) {
      expect(calls).toEqual([messageFor(env, 'CANCELLED', 3, 'RESERVATION', reservationId)]);
      expect(calls[0].args.create.text).toBe(`${reservationId} c-1 Reservation cancelled: 1984`);
    },
  },
);

// ---- seeds 002/004: the order saga (delivery lifecycle and cancellation) ----

const sagaTimes = { acceptedAt: '2026-11-21T09:35:12.345Z', productionStartedAt: '2026-11-21T09:40:00.000Z', shippedAt: '2026-11-21T10:05:00.000Z', deliveredAt: '2026-11-21T10:30:00.000Z' };
const sagaDelivery = { deliveryId: '5e0c7a4b-2f55-4b8e-a7a6-1e4d2c3b4a50', orderId, storeId: 'mario-pizzeria', customerId: 'c-1' };
const sagaPaymentId = '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
const sagaSamples = {
  productionStarted: () =>
    createEnvelope(deliveryContracts.ProductionStarted, { ...sagaDelivery, acceptedAt: sagaTimes.acceptedAt, productionStartedAt: sagaTimes.productionStartedAt }, { correlationId: orderId }),
  deliveryStarted: () =>
    createEnvelope(
      deliveryContracts.DeliveryStarted,
      { ...sagaDelivery, acceptedAt: sagaTimes.acceptedAt, productionStartedAt: sagaTimes.productionStartedAt, deliveryAddress: 'ThewellI007Ho', shippedAt: sagaTimes.shippedAt },
      { correlationId: orderId },
    ),
  deliveryCompleted: () =>
    createEnvelope(
      deliveryContracts.DeliveryCompleted,
      { ...sagaDelivery, acceptedAt: sagaTimes.acceptedAt, productionStartedAt: null, shippedAt: sagaTimes.shippedAt, deliveredAt: sagaTimes.deliveredAt },
      { correlationId: orderId },
    ),
  orderCancelled: () =>
    createEnvelope(
      orderingContracts.OrderCancelled,
      { orderId, customerId: 'c-1', storeId: 'mario-pizzeria', paymentId: sagaPaymentId, amount: 10000, reason: 'changed my mind', previousStatus: 'CONFIRMED', version: 4, requestedAt: '2026-11-21T09:36:00.000Z' },
      { correlationId: orderId },
    ),
  paymentCancelled: () =>
    createEnvelope(
      paymentContracts.PaymentCancelled,
      { paymentId: sagaPaymentId, orderId, customerId: 'c-1', refundedAmount: 10000, refundedAt: '2026-11-21T09:36:01.000Z' },
      { correlationId: orderId, causationId: 'f3e2d1c0-b9a8-4765-8432-10fedcba9876' },
    ),
  deliveryCancelled: () =>
    createEnvelope(
      deliveryContracts.DeliveryCancelled,
      { deliveryId: sagaDelivery.deliveryId, orderId, customerId: 'c-1', previousStatus: 'ACCEPTED', cancelledAt: '2026-11-21T09:36:02.000Z' },
      { correlationId: orderId },
    ),
  deliveryCancellationRefused: () =>
    createEnvelope(
      deliveryContracts.DeliveryCancellationRefused,
      { deliveryId: sagaDelivery.deliveryId, orderId, customerId: 'c-1', status: 'SHIPPED', reason: 'DELIVERY_ALREADY_STARTED', refusedAt: '2026-11-21T09:36:02.000Z' },
      { correlationId: orderId },
    ),
};

/** Ordering's answers for an order in `status` at `version`: each update moves it one version on. */
const orderingAnswers = (status: string, version: number) => {
  let v = version;
  return {
    'order.findUnique': () => ({ ...orderRow, status, version }),
    'order.update': ({ data }: any) => ({ ...orderRow, status: data.status, version: ++v, updatedAt: new Date('2026-11-21T10:31:00.000Z') }),
  };
};
/** The OrderStatusChanged rows a handler wrote to ordering's outbox, as [previous, status, version]. */
const statusChangesIn = (calls: Array<{ op: string; args: any }>) =>
  calls
    .filter((c) => c.op === '$executeRaw' && c.args[1] === orderingContracts.OrderStatusChanged.subject)
    .map((c) => parseEvent(orderingContracts.OrderStatusChanged, c.args[3]).data)
    .map((d) => [d.previousStatus, d.status, d.version]);

uses.push(
  {
    consumer: 'ordering',
    policy: followProductionStarted as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'ProductionStarted',
    sample: sagaSamples.productionStarted,
    answers: orderingAnswers('CONFIRMED', 3),
    effect(calls) {
      expect(calls.map((c) => c.op)).toEqual(['order.findUnique', 'order.update', '$executeRaw']);
      expect(statusChangesIn(calls)).toEqual([['CONFIRMED', 'IN_PRODUCTION', 4]]);
    },
  },
  {
    consumer: 'ordering',
    policy: followDeliveryStarted as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryStarted',
    sample: sagaSamples.deliveryStarted,
    // Production was reported by this event but not applied yet: both steps, in order.
    answers: orderingAnswers('CONFIRMED', 3),
    effect(calls) {
      expect(statusChangesIn(calls)).toEqual([
        ['CONFIRMED', 'IN_PRODUCTION', 4],
        ['IN_PRODUCTION', 'SHIPPED', 5],
      ]);
    },
  },
  {
    consumer: 'ordering',
    policy: followDeliveryCompleted as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryCompleted',
    sample: sagaSamples.deliveryCompleted,
    answers: orderingAnswers('SHIPPED', 5),
    effect(calls) {
      expect(statusChangesIn(calls)).toEqual([['SHIPPED', 'DELIVERED', 6]]);
    },
  },
  {
    consumer: 'ordering',
    policy: completeCancellation as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryCancelled',
    sample: sagaSamples.deliveryCancelled,
    answers: orderingAnswers('CANCELLING', 4),
    effect(calls, env) {
      expect(calls[0].args).toEqual({ where: { id: env.data.orderId } });
      expect(statusChangesIn(calls)).toEqual([['CANCELLING', 'CANCELLED', 5]]);
    },
  },
  {
    consumer: 'ordering',
    policy: failCancellation as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryCancellationRefused',
    sample: sagaSamples.deliveryCancellationRefused,
    answers: orderingAnswers('CANCELLING', 4),
    effect(calls) {
      expect(calls[1].args.data).toMatchObject({ status: 'CANCELLATION_FAILED', cancellationFailure: 'DELIVERY_ALREADY_STARTED' });
      expect(statusChangesIn(calls)).toEqual([['CANCELLING', 'CANCELLATION_FAILED', 5]]);
    },
  },
  {
    consumer: 'payment',
    policy: cancelOnOrderCancelled as unknown as AnyPolicy,
    producer: 'ordering',
    contract: 'OrderCancelled',
    sample: sagaSamples.orderCancelled,
    answers: {
      'payment.findUnique': () => ({ id: sagaPaymentId, orderId, customerId: 'c-1', amount: 10000, status: 'APPROVED' }),
      'payment.updateMany': () => ({ count: 1 }),
      'payment.findUniqueOrThrow': () => ({ id: sagaPaymentId, orderId, customerId: 'c-1', amount: 10000, status: 'CANCELLED' }),
    },
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['payment.findUnique', 'payment.updateMany', 'payment.findUniqueOrThrow', '$executeRaw']);
      expect(calls[1].args).toMatchObject({ where: { id: sagaPaymentId, status: 'APPROVED' }, data: { status: 'CANCELLED' } });
      const [, subject, , payload] = calls[3].args as [string, string, string, string];
      expect(subject).toBe(paymentContracts.PaymentCancelled.subject);
      expect(parseEvent(paymentContracts.PaymentCancelled, payload)).toMatchObject({
        causationId: env.id,
        correlationId: orderId,
        data: { paymentId: sagaPaymentId, orderId, customerId: 'c-1', refundedAmount: 10000 },
      });
    },
  },
  {
    consumer: 'delivery',
    policy: stopOnOrderCancelled as unknown as AnyPolicy,
    producer: 'ordering',
    contract: 'OrderCancelled',
    sample: sagaSamples.orderCancelled,
    effect(calls) {
      expect(calls.map((c) => c.op)).toEqual(['delivery.upsert', 'delivery.updateMany']);
      expect(calls[0].args).toMatchObject({ where: { orderId }, create: { orderId, customerId: 'c-1', status: 'WAITING' }, update: {} });
      expect(calls[1].args).toMatchObject({ where: { orderId, cancelRequestedAt: null } });
    },
  },
  {
    consumer: 'delivery',
    policy: cancelOnPaymentCancelled as unknown as AnyPolicy,
    producer: 'payment',
    contract: 'PaymentCancelled',
    sample: sagaSamples.paymentCancelled,
    answers: {
      'delivery.findUnique': () => ({ id: sagaDelivery.deliveryId, orderId, customerId: 'c-1', status: 'ACCEPTED', cancelRequestedAt: null }),
      'delivery.updateMany': () => ({ count: 1 }),
    },
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['delivery.findUnique', 'delivery.updateMany', '$executeRaw']);
      expect(calls[1].args).toMatchObject({ where: { id: sagaDelivery.deliveryId, status: 'ACCEPTED' }, data: { status: 'CANCELLED' } });
      const [, subject, , payload] = calls[2].args as [string, string, string, string];
      expect(subject).toBe(deliveryContracts.DeliveryCancelled.subject);
      expect(parseEvent(deliveryContracts.DeliveryCancelled, payload)).toMatchObject({
        causationId: env.id,
        data: { deliveryId: sagaDelivery.deliveryId, orderId, customerId: 'c-1', previousStatus: 'ACCEPTED' },
      });
    },
  },
);

// ---- seed 003: rewards (missions move on ordering's OrderPlaced; ordering knows nothing of rewards) ----
const missionRow = (kind: 'THREE_ORDERS' | 'FIRST_PIZZA', progress: number, target: number) => ({
  id: `mission-${kind}`,
  customerId: 'c-1',
  kind,
  target,
  progress,
  status: 'IN_PROGRESS',
  rewardPoints: kind === 'THREE_ORDERS' ? 300 : 100,
  rewardId: null,
  messageStatus: 'NONE',
  messageId: null,
  version: progress + 1,
  completedAt: null,
  createdAt: new Date('2026-11-21T09:00:00.000Z'),
  updatedAt: new Date('2026-11-21T09:00:00.000Z'),
});
uses.push({
  consumer: 'rewards',
  policy: countPaidOrder as unknown as AnyPolicy,
  producer: 'ordering',
  contract: 'OrderPlaced',
  sample: samples.orderPlaced,
  answers: {
    'mission.findMany': () => [missionRow('FIRST_PIZZA', 0, 1), missionRow('THREE_ORDERS', 2, 3)],
    'missionOrder.createMany': () => ({ count: 1 }),
    'mission.updateMany': () => ({ count: 1 }),
    'mission.findUniqueOrThrow': () => ({ ...missionRow('THREE_ORDERS', 3, 3), status: 'COMPLETED', rewardId: 'reward-1', messageStatus: 'QUEUED', version: 4 }),
  },
  effect(calls, env) {
    // A cake order is no pizza: only "place 3 orders" counts it, and its third order completes it.
    expect(calls.filter((c) => c.op === 'missionOrder.createMany').map((c) => c.args)).toEqual([{ data: [{ missionId: 'mission-THREE_ORDERS', orderId }], skipDuplicates: true }]);
    expect(calls.find((c) => c.op === 'mission.updateMany')!.args).toMatchObject({ where: { id: 'mission-THREE_ORDERS', version: 3 }, data: { progress: 3, status: 'COMPLETED' } });
    expect(calls.find((c) => c.op === 'wallet.upsert')!.args).toMatchObject({ where: { customerId: 'c-1' }, update: { points: { increment: 300 } } });
    const subjects = calls.filter((c) => c.op === '$executeRaw').map((c) => (c.args as string[])[1]);
    expect(subjects).toEqual([rewardsContracts.MissionCompleted.subject, rewardsContracts.RewardGranted.subject, rewardsContracts.MissionUpdated.subject]);
    for (const c of calls.filter((x) => x.op === '$executeRaw')) {
      const [, , , payload] = c.args as [string, string, string, string];
      expect(JSON.parse(payload)).toMatchObject({ correlationId: 'mission-THREE_ORDERS', causationId: env.id });
    }
  },
});
uses.push({
  consumer: 'rewards',
  policy: recordMessageSent as unknown as AnyPolicy,
  producer: 'notification',
  contract: 'MessageSent',
  sample: () =>
    createEnvelope(
      notificationContracts.MessageSent,
      { messageId: 'msg-1', requestId: 'mission-THREE_ORDERS', customerId: 'c-1', status: 'REQUESTED', channel: 'TELEGRAM', attempts: 1, sentAt: '2026-11-21T09:40:00.000Z' },
      { correlationId: 'mission-THREE_ORDERS', causationId: 'rewards:mission-THREE_ORDERS' },
    ),
  answers: {
    'outgoingMessage.findFirst': () => ({ id: 'out-1', subjectKind: 'MISSION', subjectId: 'mission-THREE_ORDERS', messageId: 'msg-0', status: 'REQUESTED' }),
    'outgoingMessage.updateMany': () => ({ count: 1 }),
    'mission.findUniqueOrThrow': () => ({ ...missionRow('THREE_ORDERS', 3, 3), status: 'COMPLETED', rewardId: 'reward-1', messageStatus: 'REQUESTED', messageId: 'msg-0', version: 5 }),
    'mission.update': ({ data }) => ({ ...missionRow('THREE_ORDERS', 3, 3), status: 'COMPLETED', rewardId: 'reward-1', ...data, updatedAt: new Date('2026-11-21T09:40:01.000Z') }),
  },
  effect(calls, env) {
    expect(calls[0]).toEqual({ op: 'outgoingMessage.findFirst', args: { where: { subjectId: 'mission-THREE_ORDERS' } } });
    expect(calls.find((c) => c.op === 'outgoingMessage.updateMany')!.args).toMatchObject({ where: { id: 'out-1', status: { in: ['QUEUED', 'REQUESTED'] } }, data: { status: 'SENT' } });
    const [, subject, , payload] = calls.find((c) => c.op === '$executeRaw')!.args as [string, string, string, string];
    expect(subject).toBe(rewardsContracts.MissionUpdated.subject);
    expect(parseEvent(rewardsContracts.MissionUpdated, payload)).toMatchObject({
      correlationId: 'mission-THREE_ORDERS',
      causationId: env.id,
      data: { messageStatus: 'SENT', messageId: 'msg-0', version: 6 },
    });
  },
});
uses.push({
  consumer: 'rewards',
  policy: updateMissionView as unknown as AnyPolicy,
  producer: 'rewards',
  contract: 'MissionUpdated',
  sample: () =>
    createEnvelope(
      rewardsContracts.MissionUpdated,
      {
        missionId: 'mission-THREE_ORDERS',
        customerId: 'c-1',
        kind: 'THREE_ORDERS',
        status: 'COMPLETED',
        progress: 3,
        target: 3,
        rewardId: 'reward-1',
        messageId: 'msg-0',
        messageStatus: 'SENT',
        completedAt: '2026-11-21T09:39:00.000Z',
        version: 6,
        updatedAt: '2026-11-21T09:40:01.000Z',
      },
      { correlationId: 'mission-THREE_ORDERS' },
    ),
  answers: { 'missionView.updateMany': () => ({ count: 1 }) },
  effect(calls) {
    expect(calls.map((c) => c.op)).toEqual(['missionView.upsert', 'missionView.updateMany']);
    expect(calls[0].args).toMatchObject({ where: { missionId: 'mission-THREE_ORDERS' }, create: { customerId: 'c-1', rewardId: 'reward-1', messageStatus: 'SENT', version: 6 }, update: {} });
    // Only a newer version changes the page: a late, older MissionUpdated never wins.
    expect(calls[1].args).toMatchObject({ where: { missionId: 'mission-THREE_ORDERS', version: { lt: 6 } }, data: { status: 'COMPLETED', progress: 3, messageStatus: 'SENT' } });
  },
});

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

  test('an envelope missing any required field of the contract is refused by the consumer', () => {
    const env = use.sample();
    // Fields added to a version compatibly are optional (e.g. ProductAdded.storeKind): events written before them lack them.
    const shape = (use.policy.event.data as unknown as { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape ?? {};
    for (const key of Object.keys(env.data as object).filter((k) => !shape[k]?.safeParse(undefined).success)) {
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
