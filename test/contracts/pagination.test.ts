// Relay Cursor Connections (https://relay.dev/graphql/connections.htm) through the router,
// for every connection field of every context, against the contexts' real databases
// (PostgreSQL; notification's SQLite): forward and backward paging cover every item exactly
// once and in order, pageInfo follows the spec, cursors stay valid while new items arrive,
// the old field's authorization holds, and bad arguments are coded errors. Rows are written
// straight into each context's database (the read models and lists under test, not the sagas
// that fill them); every case has owners of its own, so cases do not see each other's rows.
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { PUBLIC_SCHEMA_FILE } from '../../router/public-schema';
import { startStack, type Client, type ContextName, type Stack } from '../support/stack';
import { MAX_PAGE_SIZE } from '../../platform/pagination';
import type { CatalogDb } from '../../subgraphs/catalog/db';
import type { DeliveryDb } from '../../subgraphs/delivery/db';
import type { InventoryDb } from '../../subgraphs/inventory/db';
import type { MypageDb } from '../../subgraphs/mypage/db';
import type { NotificationDb } from '../../subgraphs/notification/db';
import type { OrderingDb } from '../../subgraphs/ordering/db';
import type { RentalDb } from '../../subgraphs/rental/db';
import type { RewardsDb } from '../../subgraphs/rewards/db';

let stack: Stack;
const db = <T>(name: ContextName) => stack.services[name]!.db as T;

beforeAll(async () => {
  stack = await startStack();
  await db<CatalogDb>('catalog').store.create({ data: { id: 'pg-store', name: 'Paging Books', kind: 'BOOKSTORE' } });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

/** Item i's time: one minute apart, so the order is the seed order (or its reverse). */
const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i));
const pad = (i: number) => String(i).padStart(2, '0');

interface Case {
  /** The connection field. */
  field: string;
  /** Its other arguments, as GraphQL literals (e.g. `customerId: "x"`). */
  args?: string;
  /** The node's id field. */
  id: string;
  /** Who may read it (the old field's rule). */
  reader: () => Client;
  /** Someone the old field refuses (FORBIDDEN), when there is such a role. */
  refused?: () => Client;
  /** Newest first: item i+1 comes before item i. Otherwise item i comes first. */
  newestFirst: boolean;
  /** Writes item i and answers its node id. */
  seed: (i: number) => Promise<string>;
  /** Ids already there that sort before every seeded item (the catalog's own stores). */
  existing?: () => Promise<string[]>;
}

const CASES: Case[] = [
  {
    field: 'storesConnection',
    args: 'kind: LIBRARY',
    id: 'id',
    reader: () => stack.staff('pg-store'),
    newestFirst: false,
    // The seed's libraries come first: every seeded id starts with "zz".
    existing: async () => (await db<CatalogDb>('catalog').store.findMany({ where: { kind: 'LIBRARY' }, orderBy: { id: 'asc' } })).map((s) => s.id),
    seed: async (i) => (await db<CatalogDb>('catalog').store.create({ data: { id: `zz-pg-library-${pad(i)}`, name: `Library ${i}`, kind: 'LIBRARY' } })).id,
  },
  {
    field: 'productsConnection',
    args: 'storeId: "pg-store"',
    id: 'id',
    reader: () => stack.customer('pg-any'),
    newestFirst: false,
    seed: async (i) => (await db<CatalogDb>('catalog').product.create({ data: { id: `pg-product-${pad(i)}`, storeId: 'pg-store', name: `Book ${i}`, price: 1000 } })).id,
  },
  {
    field: 'deliveriesByStoreConnection',
    args: 'storeId: "pg-store"',
    id: 'id',
    reader: () => stack.staff('pg-store'),
    refused: () => stack.staff('another-store'),
    newestFirst: false,
    seed: async (i) =>
      (
        await db<DeliveryDb>('delivery').delivery.create({
          data: { id: `pg-delivery-${i}`, orderId: `pg-delivery-order-${i}`, storeId: 'pg-store', customerId: 'pg-c', item: 'book', qty: 1, status: 'WAITING', createdAt: at(i) },
        })
      ).id,
  },
  {
    field: 'stockMovementsConnection',
    args: 'productId: "pg-stocked"',
    id: 'id',
    reader: () => stack.stockManager(),
    refused: () => stack.customer('pg-c'),
    newestFirst: true,
    seed: async (i) =>
      (
        await db<InventoryDb>('inventory').stockMovement.create({
          data: { id: `pg-movement-${i}`, productId: 'pg-stocked', kind: 'RECEIVED', qty: 1, instanceId: 'pg-test', version: i + 1, createdAt: at(i) },
        })
      ).id,
  },
  {
    field: 'myOrdersConnection',
    id: 'orderId',
    reader: () => stack.customer('pg-my-orders'),
    refused: () => stack.admin(),
    newestFirst: true,
    seed: async (i) =>
      (
        await db<MypageDb>('mypage').orderView.create({
          data: { orderId: `pg-view-${i}`, customerId: 'pg-my-orders', productId: 'p', item: 'book', qty: 1, unitPrice: 1000, amount: 1000, storeId: 'pg-store', status: 'PAID', version: 1, placedAt: at(i) },
        })
      ).orderId,
  },
  {
    field: 'myReservationsConnection',
    id: 'reservationId',
    reader: () => stack.customer('pg-my-reservations'),
    refused: () => stack.staff('pg-store'),
    newestFirst: true,
    seed: async (i) =>
      (
        await db<MypageDb>('mypage').reservationView.create({
          data: { reservationId: `pg-rview-${i}`, customerId: 'pg-my-reservations', productId: 'p', title: 'book', status: 'REQUESTED', version: 1, requestedAt: at(i) },
        })
      ).reservationId,
  },
  {
    field: 'stockListConnection',
    args: 'storeId: "pg-store"',
    id: 'productId',
    reader: () => stack.courier(),
    newestFirst: false,
    seed: async (i) =>
      (await db<MypageDb>('mypage').stockItem.create({ data: { productId: `pg-line-${i}`, title: `Title ${pad(i)}`, storeId: 'pg-store', available: 1, onHand: 1, stockVersion: 1 } })).productId,
  },
  ...(['messagesByCustomerConnection', 'customerMessagesConnection'] as const).map(
    (field): Case => ({
      field,
      id: 'id',
      reader: () => stack.customer(`pg-${field}`),
      refused: () => stack.admin(),
      newestFirst: false,
      seed: async (i) =>
        (
          await db<NotificationDb>('notification').message.create({
            data: {
              id: `pg-${field}-${i}`,
              // customerMessages has every kind; messagesByCustomer only orders' (seeded as such).
              subjectKind: field === 'customerMessagesConnection' ? (['ORDER', 'RESERVATION', 'REQUEST'] as const)[i % 3] : 'ORDER',
              subjectId: `pg-subject-${field}-${i}`,
              customerId: `pg-${field}`,
              status: 'PAID',
              subjectVersion: 1,
              text: `message ${i}`,
              channel: 'LOG',
              deliveryStatus: 'SENT',
              eventId: `pg-event-${field}-${i}`,
              createdAt: at(i),
            },
          })
        ).id,
    }),
  ),
  ...([
    ['messagesByOrderConnection', 'orderId', 'ORDER'],
    ['messagesByReservationConnection', 'reservationId', 'RESERVATION'],
  ] as const).map(
    ([field, arg, subjectKind]): Case => ({
      field,
      args: `${arg}: "pg-subject-of-${field}"`,
      id: 'id',
      reader: () => stack.customer(`pg-owner-${field}`),
      refused: () => stack.customer('pg-someone-else'),
      newestFirst: false,
      seed: async (i) =>
        (
          await db<NotificationDb>('notification').message.create({
            data: {
              id: `pg-${field}-${i}`,
              subjectKind,
              subjectId: `pg-subject-of-${field}`,
              customerId: `pg-owner-${field}`,
              status: 'PAID',
              subjectVersion: i + 1,
              text: `message ${i}`,
              channel: 'LOG',
              deliveryStatus: 'SENT',
              eventId: `pg-event-${field}-${i}`,
              createdAt: at(i),
            },
          })
        ).id,
    }),
  ),
  {
    field: 'ordersByCustomerConnection',
    args: 'customerId: "pg-orders"',
    id: 'id',
    reader: () => stack.admin(),
    refused: () => stack.customer('pg-orders'),
    newestFirst: true,
    seed: async (i) =>
      (
        await db<OrderingDb>('ordering').order.create({
          data: { id: `pg-order-${i}`, customerId: 'pg-orders', productId: 'p', productName: 'book', storeId: 'pg-store', qty: 1, unitPrice: 1000, amount: 1000, status: 'PAID', createdAt: at(i) },
        })
      ).id,
  },
  {
    field: 'reservationsByCustomerConnection',
    args: 'customerId: "pg-reservations"',
    id: 'id',
    reader: () => stack.admin(),
    refused: () => stack.customer('pg-reservations'),
    newestFirst: true,
    seed: async (i) =>
      (
        await db<RentalDb>('rental').reservation.create({
          data: { id: `pg-reservation-${i}`, customerId: 'pg-reservations', productId: 'p', title: 'book', status: 'REQUESTED', requestedAt: at(i) },
        })
      ).id,
  },
  {
    field: 'myMissionsConnection',
    id: 'id',
    reader: () => stack.customer('pg-missions'),
    refused: () => stack.admin(),
    newestFirst: false,
    seed: async (i) =>
      (
        await db<RewardsDb>('rewards').missionView.create({
          data: { missionId: `pg-mission-${pad(i)}`, customerId: 'pg-missions', kind: 'THREE_ORDERS', status: 'IN_PROGRESS', progress: 0, target: 3, messageStatus: 'NONE', version: 1, updatedAt: at(i) },
        })
      ).missionId,
  },
  {
    field: 'myGiftsConnection',
    id: 'id',
    reader: () => stack.customer('pg-gifts'),
    refused: () => stack.courier(),
    newestFirst: true,
    seed: async (i) =>
      (await db<RewardsDb>('rewards').gift.create({ data: { id: `pg-gift-${i}`, customerId: 'pg-gifts', giftId: 'coffee', name: 'coffee', cost: 100, exchangedAt: at(i) } })).id,
  },
];

const N = 7;
const PAGE = 3;

interface Page {
  ids: string[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const queryOf = (c: Case) =>
  `query($first: Int, $after: String, $last: Int, $before: String) {
    page: ${c.field}(${c.args ? `${c.args}, ` : ''}first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { ${c.id} } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

async function pageOf(c: Case, vars: Record<string, unknown>, client = c.reader()): Promise<Page> {
  const r = await client.gql(queryOf(c), vars);
  if (r.errors) throw new Error(`${c.field} ${JSON.stringify(vars)}: ${JSON.stringify(r.errors)}`);
  const edges = r.data.page.edges as Array<{ cursor: string; node: Record<string, string> }>;
  const ids = edges.map((e) => e.node[c.id]);
  // startCursor / endCursor are the first and last edges' cursors.
  expect(r.data.page.pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
  expect(r.data.page.pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
  return { ids, pageInfo: r.data.page.pageInfo };
}

test('the table covers every connection field of the public schema', () => {
  const query = buildSchema(readFileSync(PUBLIC_SCHEMA_FILE, 'utf8')).getQueryType()!;
  const connections = Object.values(query.getFields())
    .filter((f) => /Connection!?$/.test(f.type.toString()))
    .map((f) => f.name);
  expect(CASES.map((c) => c.field).sort()).toEqual(connections.sort());
});

/** Page sizes and [hasPreviousPage, hasNextPage] of paging `total` items `PAGE` at a time, from the start. */
function forwardShape(total: number) {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= PAGE) sizes.push(Math.min(PAGE, left));
  return { sizes, flags: sizes.map((_, i) => [i > 0, i < sizes.length - 1]) };
}

describe.each(CASES.map((c) => [c.field, c] as const))('%s', (_field, c) => {
  let expected: string[];

  beforeAll(async () => {
    const existing = (await c.existing?.()) ?? [];
    const seeded: string[] = [];
    for (let i = 0; i < N; i++) seeded.push(await c.seed(i));
    expected = [...existing, ...(c.newestFirst ? [...seeded].reverse() : seeded)];
  });

  test('forward (first/after): every item exactly once, in order; hasNextPage until the last page, hasPreviousPage after the first', async () => {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const p = await pageOf(c, { first: PAGE, after });
      pages.push(p);
      after = p.pageInfo.endCursor;
      if (pages.length > N) throw new Error('paging does not end');
    } while (pages.at(-1)!.pageInfo.hasNextPage);
    expect(pages.flatMap((p) => p.ids)).toEqual(expected);
    const shape = forwardShape(expected.length);
    expect(pages.map((p) => p.ids.length)).toEqual(shape.sizes);
    expect(pages.map((p) => [p.pageInfo.hasPreviousPage, p.pageInfo.hasNextPage])).toEqual(shape.flags);
  });

  test('backward (last/before): every item exactly once, in order; hasPreviousPage until the first page, hasNextPage once before is given', async () => {
    const pages: Page[] = [];
    let before: string | null = null;
    do {
      const p = await pageOf(c, { last: PAGE, before });
      pages.unshift(p);
      before = p.pageInfo.startCursor;
      if (pages.length > N) throw new Error('paging does not end');
    } while (pages[0].pageInfo.hasPreviousPage);
    expect(pages.flatMap((p) => p.ids)).toEqual(expected);
    // The mirror image: full pages from the end, the remainder first.
    const shape = forwardShape(expected.length);
    expect(pages.map((p) => p.ids.length)).toEqual([...shape.sizes].reverse());
    expect(pages.map((p) => [p.pageInfo.hasPreviousPage, p.pageInfo.hasNextPage])).toEqual(shape.flags);
  });

  test('a cursor stays valid while a new item arrives between two pages: no item twice, none skipped', async () => {
    const first = await pageOf(c, { first: PAGE });
    expect(first.ids).toEqual(expected.slice(0, PAGE));
    const newcomer = await c.seed(N + 10);
    const rest = await pageOf(c, { first: MAX_PAGE_SIZE, after: first.pageInfo.endCursor });
    // The newcomer sorts first in a newest-first list (before the cursor: not on later pages), last otherwise.
    expect(rest.ids).toEqual(c.newestFirst ? expected.slice(PAGE) : [...expected.slice(PAGE), newcomer]);
    expect(rest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const fromStart = await pageOf(c, { first: MAX_PAGE_SIZE });
    expect(fromStart.ids).toEqual(c.newestFirst ? [newcomer, ...expected] : [...expected, newcomer]);
    expected = fromStart.ids;
  });

  if (c.refused) {
    test('the old field\'s authorization: a refused actor is FORBIDDEN, and sees no edges', async () => {
      const r = await c.refused!().gql(queryOf(c), { first: PAGE });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(r.data?.page ?? null).toBeNull();
    });
  }
});

describe('argument rules (myOrdersConnection and others through the router)', () => {
  const orders = () => CASES.find((c) => c.field === 'myOrdersConnection')!;
  const refusal = async (c: Case, vars: Record<string, unknown>) => {
    const r = await c.reader().gql(queryOf(c), vars);
    expect(r.data?.page ?? null).toBeNull();
    return { code: r.errors?.[0]?.extensions?.code, field: r.errors?.[0]?.extensions?.field, message: r.errors?.[0]?.message };
  };

  test.each<[string, Record<string, unknown>, string]>([
    ['more than the maximum page size forward', { first: MAX_PAGE_SIZE + 1 }, 'first'],
    ['more than the maximum page size backward', { last: MAX_PAGE_SIZE + 1 }, 'last'],
    ['a negative first', { first: -1 }, 'first'],
    ['first and last together', { first: 2, last: 2 }, 'last'],
    ['a cursor that is not one', { after: 'not-a-cursor' }, 'after'],
    ['a cursor that is not one, backward', { last: 2, before: 'bm90LWEtY3Vyc29y' }, 'before'],
  ])('%s is BAD_USER_INPUT naming the argument', async (_what, vars, field) => {
    const r = await refusal(orders(), vars);
    expect(r).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(r.message).not.toMatch(/prisma|stack|at \w+ \(/i);
  });

  test("another connection's cursor (a different sort key) is refused, not misread", async () => {
    const movements = CASES.find((c) => c.field === 'stockMovementsConnection')!;
    const cursor = (await pageOf(movements, { first: 1 })).pageInfo.endCursor;
    expect(await refusal(orders(), { first: 2, after: cursor })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  test('neither first nor last: the first 20; exactly the maximum is allowed', async () => {
    const c = CASES.find((x) => x.field === 'myGiftsConnection')!;
    for (let i = 100; i < 125; i++) await c.seed(i);
    const byDefault = await pageOf(c, {});
    expect(byDefault.ids).toHaveLength(20);
    expect(byDefault.pageInfo.hasNextPage).toBe(true);
    const max = await pageOf(c, { first: MAX_PAGE_SIZE });
    expect(max.ids.length).toBeGreaterThan(20);
    expect(max.pageInfo.hasNextPage).toBe(false);
  });

  test('after and before together: the items between them', async () => {
    const c = orders();
    const all = (await pageOf(c, { first: MAX_PAGE_SIZE })).ids;
    const edges = (await c.reader().gql(queryOf(c), { first: MAX_PAGE_SIZE })).data.page.edges as Array<{ cursor: string }>;
    const between = await pageOf(c, { after: edges[1].cursor, before: edges[5].cursor });
    expect(between.ids).toEqual(all.slice(2, 5));
    expect(between.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  test('the deprecated list field still answers, in the same order as its connection', async () => {
    const c = orders();
    const r = await c.reader().gql('{ myOrders { orderId } }');
    expect(r.errors).toBeUndefined();
    expect(r.data.myOrders.map((o: { orderId: string }) => o.orderId)).toEqual((await pageOf(c, { first: MAX_PAGE_SIZE })).ids);
  });
});
