// In-flight deduplication at the router (router/subgraph-source.ts, issue 13): identical
// concurrent queries of one identity share one subgraph request; two identities never share;
// mutations never do; ROUTER_DEDUPE=off turns it off. Through a real router, against a small
// real HTTP server in place of the subgraphs that counts what reaches it, holds every answer
// long enough for the clients' requests to overlap, and answers with the identity it was
// sent, so an answer that reached the wrong client shows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRouter, type RunningRouter } from '../../router/gateway';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { subgraphsOf } from '../../router/compose';
import { as, createTestKeys, type TestKeys } from '../support/auth';
import { startNatsServer, type TestNats } from '../support/nats';
import { freePort } from '../support/ports';

/** What reached the stand-in subgraph: the operation text, its variables and the actor header's `sub`. */
interface Upstream {
  query: string;
  variables?: Record<string, unknown>;
  sub?: string;
}

const HOLD_MS = 800;
let upstream: Upstream[] = [];
let subgraph: Server;
let nats: TestNats;
let keys: TestKeys;
let router: RunningRouter;
let subgraphUrl: string;

async function routerWith(env: NodeJS.ProcessEnv = {}): Promise<RunningRouter> {
  const port = await freePort();
  return startRouter({
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    NATS_URL: nats.url,
    JWT_PUBLIC_KEY: keys.publicPem,
    // Every subgraph of the committed supergraph is the stand-in.
    ...Object.fromEntries(Object.keys(subgraphsOf(readFileSync(resolve(__dirname, '../../router/supergraph.graphql'), 'utf8'))).map((c) => [`SUBGRAPH_URL_${c.toUpperCase()}`, subgraphUrl])),
    ...env,
  });
}

beforeAll(async () => {
  subgraph = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"live"}');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
      const actor = req.headers['x-ordergraph-actor'];
      const sub = typeof actor === 'string' ? (JSON.parse(Buffer.from(actor, 'base64url').toString('utf8')) as { sub: string }).sub : undefined;
      upstream.push({ query: body.query, variables: body.variables, sub });
      const n = upstream.length;
      const data = body.query.includes('acceptOrder')
        ? { acceptOrder: { id: `delivery-${n}` } }
        : { stores: [{ id: `store-of-${sub}-${n}`, kind: body.variables?.kind ?? 'BAKERY' }] };
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data })), HOLD_MS);
    });
  });
  await new Promise<void>((r) => subgraph.listen(0, '127.0.0.1', r));
  subgraphUrl = `http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`;
  [nats, keys] = await Promise.all([startNatsServer(), createTestKeys()]);
  router = await routerWith();
}, 60_000);
afterAll(async () => {
  await router?.stop();
  await nats?.stop();
  await new Promise<void>((r) => (subgraph.closeAllConnections(), subgraph.close(() => r())));
});
beforeEach(() => {
  upstream = [];
});

async function gql(url: string, token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}
const STORES = '{ stores { id kind } }';

test('ten identical concurrent queries of one identity: one subgraph request, every client gets the answer', async () => {
  const token = await keys.token(as.customer('c-1'));
  const answers = await Promise.all(Array.from({ length: 10 }, () => gql(router.url, token, STORES)));
  expect(upstream).toHaveLength(1);
  expect(upstream[0].sub).toBe('c-1');
  for (const a of answers) expect(a.body).toEqual({ data: { stores: [{ id: 'store-of-c-1-1', kind: 'BAKERY' }] } });
  const metrics = await (await fetch(router.url.replace(/\/graphql$/, '/metrics'))).text();
  expect(metrics).toMatch(/ordergraph_router_subgraph_fetch_deduplicated_total\{[^}]*subgraph="catalog"[^}]*\} 9\b/);
});

test('two identities asking the same at the same time never share: each gets only the answer made for it', async () => {
  const [t1, t2] = await Promise.all([keys.token(as.customer('c-1')), keys.token(as.customer('c-2'))]);
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(router.url, i % 2 ? t2 : t1, STORES).then((a) => ({ who: i % 2 ? 'c-2' : 'c-1', a }))));
  expect(upstream.map((u) => u.sub).sort()).toEqual(['c-1', 'c-2']);
  for (const { who, a } of answers) {
    expect(a.status).toBe(200);
    expect(a.body.data.stores).toHaveLength(1);
    expect(a.body.data.stores[0].id).toMatch(new RegExp(`^store-of-${who}-\\d+$`));
  }
});

test('the same identity with different variables: not shared', async () => {
  const token = await keys.token(as.customer('c-1'));
  const q = 'query Stores($kind: StoreKind) { stores(kind: $kind) { id kind } }';
  const answers = await Promise.all(['BAKERY', 'PIZZERIA', 'BAKERY', 'PIZZERIA'].map((kind) => gql(router.url, token, q, { kind }).then((a) => ({ kind, a }))));
  expect(upstream).toHaveLength(2);
  for (const { kind, a } of answers) expect(a.body.data.stores[0].kind).toBe(kind);
});

test('identical concurrent mutations are never shared: each reaches the subgraph', async () => {
  const token = await keys.token(as.admin());
  const answers = await Promise.all(Array.from({ length: 5 }, () => gql(router.url, token, 'mutation { acceptOrder(orderId: "o-1") { id } }')));
  expect(upstream.filter((u) => u.query.includes('acceptOrder'))).toHaveLength(5);
  expect(new Set(answers.map((a) => a.body.data.acceptOrder.id)).size).toBe(5);
});

test('only in flight: the same query asked again after the first answered goes upstream again', async () => {
  const token = await keys.token(as.customer('c-1'));
  await gql(router.url, token, STORES);
  await gql(router.url, token, STORES);
  expect(upstream).toHaveLength(2);
});

test('ROUTER_DEDUPE=off: every identical concurrent query makes its own subgraph request', async () => {
  const off = await routerWith({ ROUTER_DEDUPE: 'off' });
  try {
    const token = await keys.token(as.customer('c-1'));
    const answers = await Promise.all(Array.from({ length: 6 }, () => gql(off.url, token, STORES)));
    expect(upstream).toHaveLength(6);
    for (const a of answers) expect(a.body.data.stores[0].id).toMatch(/^store-of-c-1-\d$/);
  } finally {
    await off.stop();
  }
});
