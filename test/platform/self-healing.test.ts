// The outbox relay and readiness when a producer's stream disappears (a JetStream store lost
// or an operator's mistake), on a real nats-server and real PostgreSQL: readiness reports the
// missing stream, the next publish recreates it (with NATS_STREAM_REPLICAS) and sends the row.
import { randomUUID } from 'node:crypto';
import { addToOutbox } from '../../platform/outbox';
import { ProductAdded } from '../../subgraphs/catalog/contracts';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let nats: TestJetStream;
beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog'], router: false, env: { HEALTH_CHECK_INTERVAL_MS: '200', CATALOG_SEED: 'false' } });
  nats = await openJetStream(stack.nats.url);
}, 60_000);
afterAll(async () => {
  await nats?.close();
  await stack?.close();
});

test('a deleted stream: readiness says so, and the relay recreates it and publishes what the outbox holds', async () => {
  const catalog = stack.services.catalog!;
  expect(catalog.readiness.report().status).toBe('ready');
  expect((await nats.jsm.streams.info('CATALOG')).config.num_replicas).toBe(1);

  await nats.jsm.streams.delete('CATALOG');
  const notReady = await waitFor(() => {
    const r = catalog.readiness.report();
    return r.status === 'not ready' ? r : null;
  }, 'readiness to notice the missing stream');
  expect(notReady.checks.streams).toMatchObject({ ok: false, detail: 'missing: CATALOG' });

  const productId = `p-${randomUUID()}`;
  const env = await catalog.db.$transaction((tx: any) =>
    addToOutbox(tx, ProductAdded, { productId, storeId: 'sunrise-bakery', name: 'heal bread', price: 1000 }, { correlationId: productId }),
  );
  catalog.relay.notify();

  const messages = await waitFor(async () => {
    const all = await nats.messages('CATALOG').catch(() => []);
    return all.some((m) => m.msgId === env.id) ? all : null;
  }, 'the relay to recreate CATALOG and publish the row');
  expect(messages.map((m) => m.msgId)).toContain(env.id);
  await waitFor(() => catalog.readiness.report().status === 'ready', 'readiness to pass again');
});
