// A context that moves to a new database (the README's two inventory replicas on a shared
// PostgreSQL, after the embedded one learned the catalog) still learns the facts it copies,
// though its durable consumer acknowledged them long ago. Real nats-server and PostgreSQL.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { replayIntoNewDatabase } from '../../platform/new-database-replay';
import { createLogger } from '../../platform/logger';
import { rememberProducts } from '../../subgraphs/inventory/policies';
import { CONTEXTS } from '../../subgraphs/registry';
import type { RunningContext } from '../../platform/service';
import type { InventoryDb } from '../../subgraphs/inventory/db';
import { waitFor } from '../support/ports';
import { createTestDatabases, type TestDatabases } from '../support/postgres';
import { startStack, type Stack } from '../support/stack';

const PRODUCTS = 16; // the catalog seed's products
let stack: Stack;
let fresh: TestDatabases;
let moved: RunningContext<InventoryDb> | undefined;

beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'inventory'], router: false });
  const first = stack.services.inventory!.db as InventoryDb;
  await waitFor(async () => (await first.catalogProduct.count()) === PRODUCTS, 'inventory to learn the catalog', 30_000);
  await stack.stop('inventory');
  fresh = await createTestDatabases(['inventory']);
}, 120_000);
afterAll(async () => {
  await moved?.stop();
  await stack?.close();
  await fresh?.drop();
});

test('inventory on a new database has the whole catalog as soon as it is ready, each product applied once', async () => {
  moved = (await CONTEXTS.inventory.start({ ...stack.envFor('inventory'), ...fresh.env })) as RunningContext<InventoryDb>;
  // Replayed before its consumers started: no waiting for events that will never come again.
  expect(await moved.db.catalogProduct.count()).toBe(PRODUCTS);
  expect(await moved.db.processedEvent.count({ where: { consumer: 'inventory--catalog-products' } })).toBe(PRODUCTS);
  // receiveStock works on the new database (it refuses products inventory does not know).
  expect(await moved.db.catalogProduct.findUnique({ where: { id: 'book-hobbit' } })).toMatchObject({ storeId: 'city-library', name: 'The Hobbit' });
});

test('a database that has seen the consumer\'s events is not replayed again; without a durable there is nothing to replay', async () => {
  const nc = await connect({ servers: stack.nats.url });
  try {
    const consumer = moved!.consumers.find((c) => c.durable === 'inventory--catalog-products')!;
    const log = createLogger('test', { LOG_LEVEL: 'silent' });
    expect(await replayIntoNewDatabase(consumer, rememberProducts, moved!.db, jetstream(nc), await jetstreamManager(nc), log)).toBe(0);
    const never = { durable: 'inventory--never-started', apply: consumer.apply.bind(consumer) };
    expect(await replayIntoNewDatabase(never, rememberProducts, moved!.db, jetstream(nc), await jetstreamManager(nc), log)).toBe(0);
  } finally {
    await nc.close();
  }
});
