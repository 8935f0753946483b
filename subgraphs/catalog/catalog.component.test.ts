// The catalog subgraph alone, called as the router calls it, on real PostgreSQL and a real nats-server.
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile } from '../../test/support/component';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import type { CatalogDb } from './db';
import { catalogSeed, seedCatalog } from './seed';

let stack: Stack;
let db: CatalogDb;
const url = () => stack.services.catalog!.url;

beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog'], router: false });
  db = stack.services.catalog!.db;
});
afterAll(() => stack?.close());

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Product { id name price store { id name kind } }
  ... on Store { id name kind products { id name price } }
} }`;

describe('seed', () => {
  test('a fresh catalog holds every seeded store and product, each product announced once', async () => {
    const stores = await db.store.findMany({ orderBy: { id: 'asc' } });
    expect(stores.map((s) => ({ id: s.id, name: s.name, kind: s.kind }))).toEqual(
      catalogSeed.map((s) => ({ id: s.id, name: s.name, kind: s.kind })).sort((a, b) => a.id.localeCompare(b.id)),
    );
    const products = await db.product.findMany({ orderBy: { id: 'asc' } });
    const seeded = catalogSeed.flatMap((s) => s.products.map((p) => [p.id, s.id, p.price] as const));
    expect(products.map((p) => [p.id, p.storeId, p.price])).toEqual([...seeded].sort((a, b) => a[0].localeCompare(b[0])));
    // The bakery of seed 000, as the scenario needs it.
    expect(products.filter((p) => p.storeId === 'sunrise-bakery').map((p) => [p.id, p.price])).toEqual([
      ['baguette', 4500],
      ['cake', 25000],
      ['donut', 2000],
    ]);
    const events = await db.outboxEvent.findMany({ where: { subject: 'catalog.product-added.v1' } });
    expect(events.map((e) => (e.payload as any).data.productId).sort()).toEqual(seeded.map((p) => p[0]).sort());
  });

  test('seeding again adds nothing: no rows, no events', async () => {
    const before = { stores: await db.store.count(), products: await db.product.count(), outbox: await db.outboxEvent.count() };
    expect(await seedCatalog(db)).toBe(0);
    expect(await seedCatalog(db)).toBe(0);
    expect({ stores: await db.store.count(), products: await db.product.count(), outbox: await db.outboxEvent.count() }).toEqual(before);
  });

  test('a product added to the seed later is created and announced, and only it', async () => {
    const extended = [{ ...catalogSeed[0], products: [...catalogSeed[0].products, { id: 'test-muffin', name: 'muffin', price: 3000 }] }];
    const outboxBefore = await db.outboxEvent.count();
    try {
      expect(await seedCatalog(db, extended)).toBe(1);
      expect(await db.outboxEvent.count()).toBe(outboxBefore + 1);
      const [event] = await db.outboxEvent.findMany({ where: { correlationId: 'test-muffin' } });
      expect((event.payload as any).data).toEqual({ productId: 'test-muffin', storeId: 'sunrise-bakery', storeKind: 'BAKERY', name: 'muffin', price: 3000 });
      expect(await seedCatalog(db, extended)).toBe(0);
    } finally {
      // Leave the catalog as the other tests expect it.
      await db.outboxEvent.deleteMany({ where: { correlationId: 'test-muffin' } });
      await db.product.deleteMany({ where: { id: 'test-muffin' } });
    }
  });
});

describe('queries', () => {
  test('products(storeId) lists the store’s products in id order; an unknown store has none', async () => {
    const r = await subgraphGql(url(), `query($s: ID) { products(storeId: $s) { id name price store { id } } }`, { s: 'sunrise-bakery' });
    expect(r.errors).toBeUndefined();
    expect(r.data.products.map((p: any) => p.id)).toEqual(['baguette', 'cake', 'donut']);
    expect(r.data.products[1]).toEqual({ id: 'cake', name: 'cake', price: 25000, store: { id: 'sunrise-bakery' } });
    const none = await subgraphGql(url(), `{ products(storeId: "no-such-store") { id } }`);
    expect(none).toEqual({ data: { products: [] } });
  });

  test('stores(kind) filters by kind; store(id) and product(id) return null when unknown', async () => {
    const bakeries = await subgraphGql(url(), `{ stores(kind: BAKERY) { id products { id } } }`);
    expect(bakeries.data.stores).toEqual([{ id: 'sunrise-bakery', products: [{ id: 'baguette' }, { id: 'cake' }, { id: 'donut' }] }]);
    const libraries = await subgraphGql(url(), `{ stores(kind: LIBRARY) { id } }`);
    expect(libraries.data.stores).toEqual([{ id: 'city-library' }]);
    const unknown = await subgraphGql(url(), `{ store(id: "nope") { id } product(id: "nope") { id } }`);
    expect(unknown).toEqual({ data: { store: null, product: null } });
  });
});

describe('authorization: the catalog is open to every signed-in actor, to no one else', () => {
  const ROOT_FIELDS: Array<[string, string]> = [
    ['stores', `{ stores(kind: BAKERY) { id } }`],
    ['store', `{ store(id: "sunrise-bakery") { id } }`],
    ['product', `{ product(id: "cake") { id } }`],
    ['products', `{ products(storeId: "sunrise-bakery") { id } }`],
  ];
  const EXPECTED: Record<string, unknown> = {
    stores: [{ id: 'sunrise-bakery' }],
    store: { id: 'sunrise-bakery' },
    product: { id: 'cake' },
    products: [{ id: 'baguette' }, { id: 'cake' }, { id: 'donut' }],
  };

  test.each(ROOT_FIELDS)('%s without an actor is UNAUTHENTICATED and answers no data', async (field, query) => {
    const r = await subgraphGql(url(), query, undefined, { actor: null });
    // Lists are non-null (data: null); store and product are nullable (data: { field: null }).
    expect(r.data?.[field] ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: [field], extensions: { code: 'UNAUTHENTICATED' } });
  });

  const ACTORS = [as.customer('c-1'), as.staff('mario-pizzeria'), as.courier(), as.stockManager(), as.admin()];
  test.each(ROOT_FIELDS)('%s answers every role the same', async (field, query) => {
    for (const actor of ACTORS) {
      expect({ role: actor.role, r: await subgraphGql(url(), query, undefined, { actor }) }).toEqual({ role: actor.role, r: { data: { [field]: EXPECTED[field] } } });
    }
  });
});

describe('federation', () => {
  test('_entities resolves Product and Store by id, in the order asked, null for unknown ids', async () => {
    const r = await subgraphGql(url(), ENTITIES, {
      r: [
        { __typename: 'Product', id: 'cake' },
        { __typename: 'Store', id: 'sunrise-bakery' },
        { __typename: 'Product', id: 'no-such-product' },
        { __typename: 'Store', id: 'no-such-store' },
        { __typename: 'Product', id: 'donut' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([
      { __typename: 'Product', id: 'cake', name: 'cake', price: 25000, store: { id: 'sunrise-bakery', name: 'Sunrise Bakery', kind: 'BAKERY' } },
      {
        __typename: 'Store',
        id: 'sunrise-bakery',
        name: 'Sunrise Bakery',
        kind: 'BAKERY',
        products: [
          { id: 'baguette', name: 'baguette', price: 4500 },
          { id: 'cake', name: 'cake', price: 25000 },
          { id: 'donut', name: 'donut', price: 2000 },
        ],
      },
      null,
      null,
      { __typename: 'Product', id: 'donut', name: 'donut', price: 2000, store: { id: 'sunrise-bakery', name: 'Sunrise Bakery', kind: 'BAKERY' } },
    ]);
  });

  test('_service { sdl } is subgraphs/catalog/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'catalog');
  });
});

describeRouterOnlyAccess('catalog', url);
