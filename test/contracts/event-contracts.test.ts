// Producers own their event contracts; consumers import them. For every policy a context
// registers, this checks that it consumes the producer's exported contract object, that an
// envelope the producer builds reaches the consumer intact, and that the handler finds every
// field it reads. A producer change that breaks a consumer fails here.
import { z } from 'zod';
import type { Policy } from '../../platform/consumer';
import { baseEnvSchema, parseEnv } from '../../platform/config';
import type { RawSql } from '../../platform/database';
import { createEnvelope, parseEvent, type Envelope, type EventContract } from '../../platform/events';
import { PermanentError } from '../../platform/errors';
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
import { StaleOrder } from '../../subgraphs/ordering/orders';
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

/** A use's answers, fresh for each run. */
const answersOf = (use: { answers?: Record<string, Answer> | (() => Record<string, Answer>) }) => (typeof use.answers === 'function' ? use.answers() : use.answers);

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
        // Ordering always writes these now (optional in the contract for events written before them).
        paymentMethod: 'CREDIT_CARD',
        deliveryAddress: '1 Bakery Lane, Apt 2',
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

/** What a handler asked of its transaction: a model call (args), or a raw statement (its bound values, and its SQL). */
type Call = { op: string; args: any; sql?: string };
/** A canned answer: a model call's gets its args; a raw statement's gets its bound values and its SQL (see {@link sqlText}). */
type Answer = (args: any, sql?: string) => unknown;

/**
 * A raw statement's SQL as one line: whitespace runs are one space, and each bound value of a
 * tagged template is a numbered placeholder ($1 is the first value, as PostgreSQL numbers them).
 */
const sqlText = (strings: readonly string[]) =>
  strings
    .map((s, i) => (i === 0 ? s : `$${i}${s}`))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();

/** A transaction that records what a handler asks of it and answers with canned rows. */
function recordingTx(answers: Record<string, Answer> = {}) {
  const calls: Call[] = [];
  const raw = (op: string, sql: string, values: unknown[]) => {
    calls.push({ op, args: values, sql });
    // A raw answer may depend on the statement: (values, the SQL with its numbered placeholders).
    const answer = answers[op];
    return Promise.resolve(answer ? answer(values, sql) : op.startsWith('$executeRaw') ? 1 : []);
  };
  const tx = new Proxy(
    {},
    {
      get(_t, model: string | symbol) {
        if (typeof model !== 'string' || model === 'then') return undefined;
        if (model === '$executeRaw' || model === '$queryRaw') {
          return (sql: TemplateStringsArray, ...values: unknown[]) => raw(model, sqlText(sql), values);
        }
        // The unsafe forms take the SQL as a string, with its own placeholders ($1 ... in PostgreSQL).
        if (model === '$executeRawUnsafe' || model === '$queryRawUnsafe') {
          return (sql: string, ...values: unknown[]) => raw(model, sqlText([sql]), values);
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

/**
 * The value a raw statement binds at the placeholder that the pattern's first group captures
 * (write it as `\$(\d+)` where the statement has the value): e.g. `bound(c, /SET "status" = \$(\d+)/)`.
 * Fails when the statement has no such clause.
 */
function bound(call: Pick<Call, 'args' | 'sql'>, pattern: RegExp): any {
  const m = pattern.exec(call.sql ?? '');
  if (!m) throw new Error(`${pattern} is not in the statement: ${call.sql}`);
  return call.args[Number(m[1]) - 1];
}

/** Splits a SQL list at its top-level commas (not inside parentheses or quotes), up to where the list ends. */
function sqlList(sql: string, from: number, endsAt: (rest: string) => boolean): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = from;
  for (let i = from; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (depth === 0 && endsAt(sql.slice(i))) {
      items.push(sql.slice(start, i).trim());
      return items;
    } else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error(`unterminated list in: ${sql}`);
}

/**
 * What a raw `INSERT INTO "table" (columns) VALUES (...)` or `... SELECT ... FROM` writes, column
 * by column: the bound value where the statement binds one (`$n`, `$n::type`), else the SQL of
 * the expression (`now()`, `'PENDING'`, `r.value ->> '$.id'`). The table may be anywhere in the
 * statement (a CTE's insert).
 */
function inserted(call: Pick<Call, 'args' | 'sql'>, table: string): Record<string, unknown> {
  const sql = call.sql ?? '';
  const head = `INSERT INTO "${table}" (`;
  const at = sql.indexOf(head);
  if (at < 0) throw new Error(`no INSERT INTO "${table}" in: ${sql}`);
  const columns = sqlList(sql, at + head.length, (rest) => rest.startsWith(')')).map((c) => c.replace(/^"|"$/g, ''));
  const after = sql.indexOf(')', at + head.length) + 1;
  const rest = sql.slice(after).trimStart();
  const offset = sql.length - rest.length;
  const exprs = rest.startsWith('VALUES (')
    ? sqlList(sql, offset + 'VALUES ('.length, (r) => r.startsWith(')'))
    : rest.startsWith('SELECT ')
      ? sqlList(sql, offset + 'SELECT '.length, (r) => r.startsWith(' FROM '))
      : [];
  expect(exprs).toHaveLength(columns.length);
  return Object.fromEntries(
    columns.map((c, i) => {
      const p = /^\$(\d+)(?:::.+)?$/.exec(exprs[i]);
      return [c, p ? call.args[Number(p[1]) - 1] : exprs[i]];
    }),
  );
}

/**
 * Every outbox row the handler wrote, whether by addToOutbox (its own INSERT) or folded into
 * the statement that makes the state change (a CTE): the "OutboxEvent" columns as bound.
 */
const outboxRows = (calls: Call[]) =>
  calls.filter((c) => c.sql !== undefined && c.sql.includes('INSERT INTO "OutboxEvent"')).map((c) => inserted(c, 'OutboxEvent') as Record<string, string>);

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
  /** Canned answers; a function makes fresh ones for each run (answers that hold state, like ordering's order). */
  answers?: Record<string, Answer> | (() => Record<string, Answer>);
  /** What the handler must have done with the event. */
  effect(calls: Call[], env: Envelope<any>): void;
}

/** Ordering's "Order" row as `SELECT *` answers it (prisma/ordering/schema.prisma). */
const orderRow = (status: string, version: number, storeId: string) => ({
  id: orderId,
  customerId: 'c-1',
  productId: 'cake',
  productName: 'cake',
  storeId,
  qty: 2,
  unitPrice: 25000,
  amount: 50000,
  status,
  paymentMethod: 'CREDIT_CARD',
  deliveryAddress: null,
  paymentId: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
  rejectionCode: null,
  voidPending: false,
  cancellationReason: null,
  cancellationFailure: null,
  version,
  createdAt: new Date('2026-11-21T09:30:00.000Z'),
  updatedAt: new Date('2026-11-21T09:30:00.000Z'),
});

/** ordering's read of an order (orders.ts orderById). */
const orderRead = /^SELECT \* FROM "Order" WHERE "id" = \$1$/;

/**
 * Ordering's database holding one order in `status` at `version`, for its raw statements: the
 * read answers the row; moveTo's UPDATE (with its outbox row, one statement) changes it only when
 * its guard names the order and the version it holds, and answers the row as written — else no
 * row, as PostgreSQL would (moveTo then throws StaleOrder). Each move moves the version on.
 */
const orderingAnswers = (status: string, version: number, storeId = 'mario-pizzeria'): Record<string, Answer> => {
  let row: Record<string, unknown> = orderRow(status, version, storeId);
  return {
    $queryRaw: (values: unknown[], sql?: string) => {
      const call = { args: values, sql };
      if (orderRead.test(sql ?? '')) return values[0] === row.id ? [row] : [];
      if (/^WITH u AS \( UPDATE "Order" SET /.test(sql ?? '')) {
        if (bound(call, /WHERE "id" = \$(\d+)/) !== row.id || bound(call, /AND "version" = \$(\d+)/) !== row.version) return [];
        row = {
          ...row,
          status: bound(call, /SET "status" = \$(\d+)::"OrderStatus"/),
          version: bound(call, /::"OrderStatus", "version" = \$(\d+)/),
          updatedAt: bound(call, /"updatedAt" = \$(\d+)/),
          cancellationReason: bound(call, /"cancellationReason" = CASE WHEN \$(\d+)::boolean/)
            ? bound(call, /THEN \$(\d+)::text ELSE "cancellationReason"/)
            : row.cancellationReason,
          cancellationFailure: bound(call, /"cancellationFailure" = CASE WHEN \$(\d+)::boolean/)
            ? bound(call, /THEN \$(\d+)::text ELSE "cancellationFailure"/)
            : row.cancellationFailure,
        };
        return [row];
      }
      throw new Error(`ordering answers no such statement: ${sql}`);
    },
  };
};

/**
 * The status moves a handler made, as [previous, status, version] from the OrderStatusChanged
 * each wrote. Each move is one statement: the order's UPDATE, guarded by the order's id and the
 * version read, and the outbox row inserted from the updated row only (no event without its
 * change); the row's new status and version are the ones its event announces, caused by `env`.
 */
const statusChangesIn = (calls: Call[], env: Envelope<any>) =>
  calls
    .filter((c) => c.sql?.includes('UPDATE "Order"'))
    .map((c) => {
      expect(c.op).toBe('$queryRaw');
      expect(c.sql).toMatch(/^WITH u AS \( UPDATE "Order" SET .* RETURNING \* \), o AS \( INSERT INTO "OutboxEvent" \(.*\) SELECT .* FROM u \) SELECT \* FROM u$/);
      const [row] = outboxRows([c]);
      expect(row).toMatchObject({ subject: orderingContracts.OrderStatusChanged.subject, stream: orderingContracts.OrderStatusChanged.stream, correlationId: orderId });
      const written = parseEvent(orderingContracts.OrderStatusChanged, row.payload);
      expect(written).toMatchObject({ id: row.id, correlationId: orderId, causationId: env.id, data: { orderId, customerId: 'c-1' } });
      expect(bound(c, /SET "status" = \$(\d+)::"OrderStatus"/)).toBe(written.data.status);
      expect(bound(c, /::"OrderStatus", "version" = \$(\d+)/)).toBe(written.data.version);
      expect(bound(c, /WHERE "id" = \$(\d+)/)).toBe(orderId);
      expect(bound(c, /AND "version" = \$(\d+)/)).toBe(written.data.version - 1);
      return [written.data.previousStatus, written.data.status, written.data.version];
    });

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
    answers: () => orderingAnswers('PAID', 2, 'sunrise-bakery'),
    effect(calls, env) {
      // The order is read (raw), then CONFIRMED with its OrderStatusChanged in one statement.
      expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw']);
      expect(calls[0].sql).toMatch(orderRead);
      expect(calls[0].args).toEqual([env.data.orderId]);
      expect(statusChangesIn(calls, env)).toEqual([['PAID', 'CONFIRMED', 3]]);
      // The event carries the order's store, read with the order (the router routes store staff's subscriptions by it).
      const [row] = outboxRows(calls);
      expect(parseEvent(orderingContracts.OrderStatusChanged, row.payload).data.storeId).toBe('sunrise-bakery');
      // Neither cancellation column is touched by a delivery step.
      expect(bound(calls[1], /"cancellationReason" = CASE WHEN \$(\d+)::boolean/)).toBe(false);
      expect(bound(calls[1], /"cancellationFailure" = CASE WHEN \$(\d+)::boolean/)).toBe(false);
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
      expect(calls[0].op).toBe('$executeRaw');
      expect(inserted(calls[0], 'Delivery')).toEqual({
        id: expect.any(String),
        orderId,
        storeId: 'sunrise-bakery',
        customerId: 'c-1',
        item: 'cake',
        qty: 2,
        deliveryAddress: '1 Bakery Lane, Apt 2',
        status: "'WAITING'",
        updatedAt: 'now()',
      });
      // A row a cancellation created first (no store yet) gets the order's details and keeps its
      // status; a row that has its store (a repeat) is left as it is.
      const conflict = /ON CONFLICT \("orderId"\) DO UPDATE SET (.*) WHERE "Delivery"\."storeId" IS NULL$/.exec(calls[0].sql!);
      expect(conflict).not.toBeNull();
      for (const col of ['storeId', 'customerId', 'item', 'qty', 'deliveryAddress']) expect(conflict![1]).toContain(`"${col}" = EXCLUDED."${col}"`);
      expect(conflict![1]).not.toMatch(/"status"|"id"/);
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
      expect(calls[0].op).toBe('$executeRaw');
      expect(inserted(calls[0], 'OrderView')).toEqual({
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
        updatedAt: 'now()',
      });
      // An order already in the view keeps its (possibly newer) status and version: only the payment id is filled in.
      expect(calls[0].sql).toMatch(/ON CONFLICT \("orderId"\) DO UPDATE SET "paymentId" = EXCLUDED\."paymentId", "updatedAt" = now\(\) WHERE [^,]*$/);
    },
  },
  {
    consumer: 'mypage',
    policy: followStatus as unknown as AnyPolicy,
    producer: 'ordering',
    contract: 'OrderStatusChanged',
    sample: samples.orderStatusChanged,
    // The order is in the view (the statement says whether it is).
    answers: { $queryRaw: () => [{ known: true }] },
    effect(calls) {
      expect(calls).toHaveLength(1);
      expect(calls[0].op).toBe('$queryRaw');
      expect(calls[0].sql).toMatch(/UPDATE "OrderView" SET /);
      expect(bound(calls[0], /SET "status" = \$(\d+)/)).toBe('CONFIRMED');
      expect(bound(calls[0], /, "version" = \$(\d+)/)).toBe(3);
      expect(bound(calls[0], /WHERE "orderId" = \$(\d+)/)).toBe(orderId);
      // Only a newer version changes the view: a late, older change never wins.
      expect(bound(calls[0], /AND "version" < \$(\d+)/)).toBe(3);
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

/** The one outbox row of `contract` a handler wrote (its columns agree with the envelope), as the consumer parses it. */
const outboxOf = (calls: Call[], contract: EventContract) => {
  const rows = outboxRows(calls).filter((r) => r.subject === contract.subject);
  expect(rows).toHaveLength(1);
  const env = parseEvent(contract, rows[0].payload);
  expect(rows[0]).toMatchObject({ id: env.id, stream: contract.stream, correlationId: env.correlationId });
  return env;
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
const stockLineWrite = (calls: Call[], env: Envelope<any>) =>
  expect(calls).toEqual([
    {
      op: '$executeRaw',
      args: [env.data.productId, env.data.available, env.data.onHand, env.data.version],
      sql: expect.stringMatching(/^INSERT INTO "StockItem" .* WHERE "StockItem"\."stockVersion" < EXCLUDED\."stockVersion"$/),
    },
  ]);
/** mypage's reservation view upsert: every field of the snapshot, the version guarding the update. */
const reservationViewWrite = (calls: Call[], env: Envelope<any>) =>
  expect(calls).toEqual([
    {
      op: '$executeRaw',
      args: [reservationId, 'c-1', 'book-1984', '1984', env.data.status, env.data.reason ?? null, env.data.version, new Date(reservationSnapshot.requestedAt)],
      sql: expect.stringMatching(/^INSERT INTO "ReservationView" .* WHERE "ReservationView"\."version" < EXCLUDED\."version"$/),
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
/**
 * Notification's record of one change for its channels (here log): one INSERT of a row per
 * channel, from a bound JSON array of (id, channel); every other column is the change as the
 * event told it. A change told again (a republished event) adds nothing.
 */
const messageFor = (calls: Call[], env: Envelope<any>, status: string, subjectVersion: number, text: string, subjectKind: 'ORDER' | 'RESERVATION' = 'ORDER', subjectId = orderId) => {
  expect(calls).toHaveLength(1);
  const [c] = calls;
  expect(c.op).toBe('$executeRaw');
  expect(c.sql).toMatch(/ FROM json_each\(\$\d+\) AS r WHERE true ON CONFLICT \("subjectKind", "subjectId", "subjectVersion", "channel"\) DO NOTHING$/);
  expect(JSON.parse(bound(c, /json_each\(\$(\d+)\)/))).toEqual([{ id: expect.any(String), channel: 'LOG' }]);
  expect(inserted(c, 'Message')).toEqual({
    id: "r.value ->> '$.id'",
    subjectKind,
    subjectId,
    customerId: 'c-1',
    status,
    subjectVersion,
    text,
    channel: "r.value ->> '$.channel'",
    deliveryStatus: "'PENDING'",
    attempts: '0',
    nextAttemptAt: expect.any(Date),
    eventId: env.id,
    createdAt: expect.any(Date),
    updatedAt: expect.any(Date),
  });
};
uses.push(
  {
    consumer: 'notification',
    policy: notificationPolicy('order-placed'),
    producer: 'ordering',
    contract: 'OrderPlaced',
    sample: samples.orderPlaced,
    effect(calls, env) {
      messageFor(calls, env, 'PAID', 2, `${orderId} c-1 Paid. Your order is placed.`);
    },
  },
  {
    consumer: 'notification',
    policy: notificationPolicy('order-status-changed'),
    producer: 'ordering',
    contract: 'OrderStatusChanged',
    sample: samples.orderStatusChanged,
    effect(calls, env) {
      messageFor(calls, env, 'CONFIRMED', 3, `${orderId} c-1 Confirmed. The store accepted your order.`);
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
      messageFor(calls, env, 'RESERVED', 2, `${reservationId} c-1 Reserved: 1984`, 'RESERVATION', reservationId);
    },
  },
  {
    consumer: 'notification',
    policy: notificationPolicy('reservation-failed'),
    producer: 'rental',
    contract: 'ReservationFailed',
    sample: reservationSamples.reservationFailed,
    effect(calls, env) {
      messageFor(calls, env, 'FAILED', 2, `${reservationId} c-1 No copy available: 1984`, 'RESERVATION', reservationId);
    },
  },
  {
    consumer: 'notification',
    policy: notificationPolicy('reservation-cancelled'),
    producer: 'rental',
    contract: 'ReservationCancelled',
    sample: reservationSamples.reservationCancelled,
    effect(calls, env) {
      messageFor(calls, env, 'CANCELLED', 3, `${reservationId} c-1 Reservation cancelled: 1984`, 'RESERVATION', reservationId);
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

uses.push(
  {
    consumer: 'ordering',
    policy: followProductionStarted as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'ProductionStarted',
    sample: sagaSamples.productionStarted,
    answers: () => orderingAnswers('CONFIRMED', 3),
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw']);
      expect(calls[0]).toMatchObject({ sql: expect.stringMatching(orderRead), args: [env.data.orderId] });
      expect(statusChangesIn(calls, env)).toEqual([['CONFIRMED', 'IN_PRODUCTION', 4]]);
    },
  },
  {
    consumer: 'ordering',
    policy: followDeliveryStarted as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryStarted',
    sample: sagaSamples.deliveryStarted,
    // Production was reported by this event but not applied yet: both steps, in order.
    answers: () => orderingAnswers('CONFIRMED', 3),
    effect(calls, env) {
      // One read; each step one statement, the second guarded by the version the first wrote.
      expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw', '$queryRaw']);
      expect(statusChangesIn(calls, env)).toEqual([
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
    answers: () => orderingAnswers('SHIPPED', 5),
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw']);
      expect(statusChangesIn(calls, env)).toEqual([['SHIPPED', 'DELIVERED', 6]]);
    },
  },
  {
    consumer: 'ordering',
    policy: completeCancellation as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryCancelled',
    sample: sagaSamples.deliveryCancelled,
    answers: () => orderingAnswers('CANCELLING', 4),
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw']);
      expect(calls[0]).toMatchObject({ sql: expect.stringMatching(orderRead), args: [env.data.orderId] });
      expect(statusChangesIn(calls, env)).toEqual([['CANCELLING', 'CANCELLED', 5]]);
      // The customer's reason stays as the cancellation recorded it.
      expect(bound(calls[1], /"cancellationReason" = CASE WHEN \$(\d+)::boolean/)).toBe(false);
    },
  },
  {
    consumer: 'ordering',
    policy: failCancellation as unknown as AnyPolicy,
    producer: 'delivery',
    contract: 'DeliveryCancellationRefused',
    sample: sagaSamples.deliveryCancellationRefused,
    answers: () => orderingAnswers('CANCELLING', 4),
    effect(calls, env) {
      expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw']);
      expect(calls[0]).toMatchObject({ sql: expect.stringMatching(orderRead), args: [env.data.orderId] });
      expect(statusChangesIn(calls, env)).toEqual([['CANCELLING', 'CANCELLATION_FAILED', 5]]);
      // Delivery's reason is recorded on the order with the status, in the same statement; the customer's reason is kept.
      expect(bound(calls[1], /"cancellationFailure" = CASE WHEN \$(\d+)::boolean/)).toBe(true);
      expect(bound(calls[1], /THEN \$(\d+)::text ELSE "cancellationFailure"/)).toBe('DELIVERY_ALREADY_STARTED');
      expect(bound(calls[1], /"cancellationReason" = CASE WHEN \$(\d+)::boolean/)).toBe(false);
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
    // update() answers the row as written; its where names the version read (P2025 when the row moved on).
    'mission.update': ({ where, data }) => {
      const row = missionRow('THREE_ORDERS', 2, 3);
      if (where.id !== row.id || where.version !== row.version) return Promise.reject(Object.assign(new Error('No record was found for an update.'), { code: 'P2025' }));
      return { ...row, ...data };
    },
  },
  effect(calls, env) {
    // A cake order is no pizza: only "place 3 orders" counts it, and its third order completes it.
    expect(calls.filter((c) => c.op === 'missionOrder.createMany').map((c) => c.args)).toEqual([{ data: [{ missionId: 'mission-THREE_ORDERS', orderId }], skipDuplicates: true }]);
    const updates = calls.filter((c) => c.op === 'mission.update');
    expect(updates.map((c) => c.args)).toEqual([
      {
        where: { id: 'mission-THREE_ORDERS', version: 3 },
        data: { progress: 3, version: 4, updatedAt: expect.any(Date), status: 'COMPLETED', completedAt: expect.any(Date), rewardId: expect.any(String), messageStatus: 'QUEUED' },
      },
    ]);
    const rewardId = updates[0].args.data.rewardId;
    expect(calls.find((c) => c.op === 'reward.create')!.args).toMatchObject({ data: { id: rewardId, missionId: 'mission-THREE_ORDERS', customerId: 'c-1', points: 300 } });
    expect(calls.find((c) => c.op === 'wallet.upsert')!.args).toMatchObject({ where: { customerId: 'c-1' }, update: { points: { increment: 300 } } });
    expect(outboxRows(calls).map((r) => r.subject)).toEqual([rewardsContracts.MissionCompleted.subject, rewardsContracts.RewardGranted.subject, rewardsContracts.MissionUpdated.subject]);
    for (const r of outboxRows(calls)) expect(JSON.parse(r.payload)).toMatchObject({ correlationId: 'mission-THREE_ORDERS', causationId: env.id });
    expect(outboxOf(calls, rewardsContracts.RewardGranted).data).toMatchObject({ rewardId, missionId: 'mission-THREE_ORDERS', customerId: 'c-1', points: 300 });
    // The mission is announced as update() wrote it.
    expect(outboxOf(calls, rewardsContracts.MissionUpdated).data).toMatchObject({ missionId: 'mission-THREE_ORDERS', status: 'COMPLETED', progress: 3, rewardId, messageStatus: 'QUEUED', version: 4 });
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
    // The mission as stored (version 5, the first message id msg-0); the UPDATE ... RETURNING * answers it as written.
    $queryRaw: (values: unknown[], sql?: string) => {
      const call = { args: values, sql };
      const row = { ...missionRow('THREE_ORDERS', 3, 3), status: 'COMPLETED', rewardId: 'reward-1', messageStatus: 'REQUESTED', messageId: 'msg-0', version: 5 };
      if (!/^UPDATE "Mission" SET .* RETURNING \*$/.test(sql ?? '')) throw new Error(`rewards answers no such statement: ${sql}`);
      if (bound(call, /WHERE "id" = \$(\d+)/) !== row.id) return [];
      return [{ ...row, messageStatus: bound(call, /"messageStatus" = \$(\d+)/), messageId: row.messageId ?? bound(call, /COALESCE\("messageId", \$(\d+)\)/), version: row.version + 1, updatedAt: bound(call, /"updatedAt" = \$(\d+)/) }];
    },
  },
  effect(calls, env) {
    expect(calls[0]).toEqual({ op: 'outgoingMessage.findFirst', args: { where: { subjectId: 'mission-THREE_ORDERS' } } });
    expect(calls.find((c) => c.op === 'outgoingMessage.updateMany')!.args).toMatchObject({ where: { id: 'out-1', status: { in: ['QUEUED', 'REQUESTED'] } }, data: { status: 'SENT' } });
    // The mission's message status, in one statement: SENT, the first message id kept, the version moved on.
    const [update] = calls.filter((c) => c.sql?.startsWith('UPDATE "Mission"'));
    expect(update.op).toBe('$queryRaw');
    expect(bound(update, /WHERE "id" = \$(\d+)/)).toBe('mission-THREE_ORDERS');
    expect(bound(update, /"messageStatus" = \$(\d+)::"MessageStatus"/)).toBe('SENT');
    expect(bound(update, /"messageId" = COALESCE\("messageId", \$(\d+)\)/)).toBe(env.data.messageId);
    expect(update.sql).toMatch(/"version" = "version" \+ 1/);
    expect(outboxOf(calls, rewardsContracts.MissionUpdated)).toMatchObject({
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
  effect(calls, env) {
    expect(calls).toHaveLength(1);
    expect(calls[0].op).toBe('$executeRaw');
    const written = inserted(calls[0], 'MissionView');
    expect(written).toEqual({
      missionId: 'mission-THREE_ORDERS',
      customerId: 'c-1',
      kind: 'THREE_ORDERS',
      status: 'COMPLETED',
      progress: 3,
      target: 3,
      rewardId: 'reward-1',
      messageId: 'msg-0',
      messageStatus: 'SENT',
      version: 6,
      completedAt: new Date(env.data.completedAt),
      updatedAt: new Date(env.data.updatedAt),
    });
    // Only a newer version changes the page (every field of it): a late, older MissionUpdated never wins.
    const conflict = /ON CONFLICT \("missionId"\) DO UPDATE SET (.*) WHERE "MissionView"\."version" < EXCLUDED\."version"$/.exec(calls[0].sql!);
    expect(conflict).not.toBeNull();
    for (const col of Object.keys(written).filter((k) => k !== 'missionId')) expect(conflict![1]).toContain(`"${col}" = EXCLUDED."${col}"`);
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
    const { tx, calls } = recordingTx(answersOf(use));
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

// What the handlers do when the row an event names is not (yet) there, or changed meanwhile.
const orderingStatusUses = uses.filter((u) => u.consumer === 'ordering' && u.policy !== (rememberProducts as unknown as AnyPolicy));
describe.each(orderingStatusUses.map((u) => [`ordering ← ${u.producer}.${u.contract} (${u.policy.name})`, u] as const))('%s', (_title, use) => {
  test('an order that does not exist is a PermanentError (ordering writes every order before its events), and nothing is written', async () => {
    const env = parseEvent(use.policy.event, JSON.stringify(use.sample()));
    const { tx, calls } = recordingTx({ $queryRaw: () => [] });
    await expect(use.policy.handle(tx, env.data, env)).rejects.toBeInstanceOf(PermanentError);
    expect(calls).toEqual([{ op: '$queryRaw', args: [(env.data as { orderId: string }).orderId], sql: expect.stringMatching(orderRead) }]);
  });

  test('an order changed since it was read fails the version guard with StaleOrder (retried, not dead-lettered)', async () => {
    const env = parseEvent(use.policy.event, JSON.stringify(use.sample()));
    const answers = answersOf(use)!;
    // The read answers as in the table; the UPDATE finds the version moved on (no row).
    const { tx, calls } = recordingTx({ $queryRaw: (values, sql) => (orderRead.test(sql ?? '') ? answers.$queryRaw(values, sql) : []) });
    const outcome = use.policy.handle(tx, env.data, env);
    await expect(outcome).rejects.toBeInstanceOf(StaleOrder);
    await expect(outcome).rejects.not.toBeInstanceOf(PermanentError);
    expect(calls.map((c) => c.op)).toEqual(['$queryRaw', '$queryRaw']);
  });
});

test('mypage: a status change for an order not in the view yet fails, so it is redelivered after OrderPlaced', async () => {
  const env = parseEvent(orderingContracts.OrderStatusChanged, JSON.stringify(samples.orderStatusChanged()));
  const { tx } = recordingTx({ $queryRaw: () => [{ known: false }] });
  await expect((followStatus as unknown as AnyPolicy).handle(tx, env.data, env)).rejects.toThrow(/not in the view yet/);
});
