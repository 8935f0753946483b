// Seed 003's "open architecture" checkpoint: rewards joins by subscribing to events, so taking
// it out of the supergraph and the launcher leaves every other context working. Composes
// supergraph.yaml without rewards, then runs the bakery scenario on a stack started without it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import YAML from 'yaml';
import { composeSupergraph, subgraphsOf, SUPERGRAPH_YAML } from '../../router/compose';
import { CONTEXT_NAMES } from '../../subgraphs/registry';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const ROOT = resolve(__dirname, '../..');
const OPTIONAL = 'rewards';

interface SupergraphConfig {
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

/** supergraph.yaml as the operator would leave it after deleting rewards' entry. */
function configWithout(name: string): SupergraphConfig {
  const config = YAML.parse(readFileSync(SUPERGRAPH_YAML, 'utf8')) as SupergraphConfig;
  expect(Object.keys(config.subgraphs)).toContain(name);
  delete config.subgraphs[name];
  return config;
}

let dir: string;
let supergraphPath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'og-open-arch-'));
  const config = configWithout(OPTIONAL);
  const yamlPath = join(dir, 'supergraph.yaml');
  // Schema files resolved from the repository root, as in the committed file.
  for (const s of Object.values(config.subgraphs)) s.schema.file = resolve(ROOT, s.schema.file);
  writeFileSync(yamlPath, YAML.stringify(config));
  supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(yamlPath));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the supergraph composes without rewards, with every other subgraph and none of rewards\' types', () => {
  const config = configWithout(OPTIONAL);
  const result = composeServices(
    Object.entries(config.subgraphs).map(([name, s]) => ({ name, url: s.routing_url, typeDefs: parse(readFileSync(resolve(ROOT, s.schema.file), 'utf8')) })),
  );
  expect(result.errors).toBeUndefined();
  const sdl = readFileSync(supergraphPath, 'utf8');
  expect(Object.keys(subgraphsOf(sdl)).sort()).toEqual(CONTEXT_NAMES.filter((c) => c !== OPTIONAL).sort());
  expect(sdl).not.toMatch(/\bmyMissions\b|\btype Mission\b|\bexchangeGift\b/);
});

test('no other context\'s code refers to rewards (only the registry names it)', () => {
  const offenders: string[] = [];
  for (const context of readdirSync(join(ROOT, 'subgraphs'), { withFileTypes: true })) {
    if (!context.isDirectory() || context.name === OPTIONAL) continue;
    for (const file of readdirSync(join(ROOT, 'subgraphs', context.name))) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(join(ROOT, 'subgraphs', context.name, file), 'utf8');
      if (/rewards\//.test(text) || /\brewards\./.test(text)) offenders.push(`subgraphs/${context.name}/${file}`);
    }
  }
  expect(offenders).toEqual([]);
});

describe('the bakery scenario on a stack without rewards', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ contexts: CONTEXT_NAMES.filter((c) => c !== OPTIONAL), supergraphPath });
    await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog', 30_000);
  });
  afterAll(() => stack?.close());

  test('order → PAID → the bakery accepts → CONFIRMED in ordering and mypage; rewards was never started', async () => {
    expect(stack.services.rewards).toBeUndefined();
    const customer = stack.customer('c-open');
    const placed = await customer.gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status amount storeId } }`, {
      i: { productId: 'cake', qty: 1 },
    });
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder).toMatchObject({ status: 'PAID', amount: 25000, storeId: 'sunrise-bakery' });
    const id = placed.data.placeOrder.id;
    await waitFor(async () => (await customer.gql(`query($id: ID!) { order(id: $id) { delivery { status } } }`, { id })).data?.order?.delivery, 'delivery to open', 30_000);
    const accepted = await stack.staff('sunrise-bakery').gql(`mutation($o: ID!) { acceptOrder(orderId: $o) { status } }`, { o: id });
    expect(accepted.errors).toBeUndefined();
    await waitFor(async () => (await customer.gql(`query($id: ID!) { order(id: $id) { status } }`, { id })).data?.order?.status === 'CONFIRMED', 'CONFIRMED', 30_000);
    const view = await waitFor(
      async () => ((await customer.gql(`{ myOrders { orderId status } }`)).data?.myOrders ?? []).find((v: any) => v.status === 'CONFIRMED'),
      'mypage to show the confirmed order',
      30_000,
    );
    expect(view).toEqual({ orderId: id, status: 'CONFIRMED' });
    // The router without rewards does not know its fields: a clear validation error, not a broken router.
    const missions = await customer.gql(`{ myMissions { id } }`);
    expect(missions.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
