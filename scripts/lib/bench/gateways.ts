// Reads through three gateways on the same subgraphs, for `npm run bench`: ordergraph's router
// (JWT verified, guard rails, tracing, metrics), a plain @apollo/gateway (plain-gateway.ts)
// and Hive Gateway (hive-gateway.ts) with and without its in-flight deduplication. Each one
// is a process of the isolated stack, on a copy of the committed supergraph whose subgraph
// URLs point at this stack. Rounds are interleaved (A B C D, A B C D, …) so that the machine's
// other work spreads over all of them; each figure is the median over the rounds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeActor, type Actor } from '../../../platform/auth';
import { cpuSeconds, entryArgs, httpOk, ROOT, type RunningStack } from '../isolated-stack';
import { freePort } from '../ports';
import { closedLoop } from './load';
import { median, percentile } from './stats';

/** A federated read: ordering's order, payment's and delivery's fields on it. */
export const FEDERATED_READ = 'query Federated($id: ID!) { order(id: $id) { id status amount payment { id status amount } delivery { id status } } }';
/** A single-subgraph read: ordering only. */
export const SINGLE_READ = 'query Single($id: ID!) { order(id: $id) { id status amount item } }';

/** The committed supergraph with each subgraph's URL replaced by this stack's. */
export function supergraphFor(stack: RunningStack): string {
  const sdl = readFileSync(join(ROOT, 'router', 'supergraph.graphql'), 'utf8');
  const out = sdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]+"\)/g, (m, name: string) =>
    stack.ports[name] ? `@join__graph(name: "${name}", url: "http://127.0.0.1:${stack.ports[name]}/graphql")` : m,
  );
  const file = join(mkdtempSync(join(tmpdir(), 'og-bench-supergraph-')), 'supergraph.graphql');
  writeFileSync(file, out);
  return file;
}

export interface GatewayUnderTest {
  name: string;
  url: string;
  /** Headers that make the request the customer's: a bearer JWT (router) or the actor header (the others). */
  headers: Record<string, string>;
  /**
   * The same for one of the `others` identities startGateways was given (the many-identities
   * reads); throws for an actor it was not given (the router's tokens are signed up front).
   */
  headersOf: (actor: Actor) => Record<string, string>;
  /** Process name in stack.pids(). */
  process: string;
}

/**
 * Starts the plain gateway and Hive Gateway (deduplication on and off) beside the stack's
 * router. `actor` is the identity of the identical-request reads; `others` the identities of
 * the many-identities reads (each gateway's `headersOf`).
 */
export async function startGateways(stack: RunningStack, actor: Actor, fromBuild: boolean, others: Actor[] = []): Promise<GatewayUnderTest[]> {
  const supergraph = supergraphFor(stack);
  process.once('exit', () => rmSync(dirname(supergraph), { recursive: true, force: true }));
  const routerToken = stack.envOf('router').ROUTER_TOKEN;
  const base = { ...process.env, SUPERGRAPH_PATH: supergraph, ...(routerToken ? { ROUTER_TOKEN: routerToken } : {}) };
  const asActor = { [`x-ordergraph-actor`]: encodeActor(actor) };
  const actorHeaders = (a: Actor) => ({ [`x-ordergraph-actor`]: encodeActor(a) });
  const tokens = new Map<string, string>();
  for (const a of [actor, ...others]) tokens.set(a.sub, await stack.token(a));
  const bearerOf = (a: Actor) => {
    const t = tokens.get(a.sub);
    if (!t) throw new Error(`no token signed for ${a.sub}`);
    return { authorization: `Bearer ${t}` };
  };
  const out: GatewayUnderTest[] = [{ name: 'ordergraph router', url: stack.routerUrl, headers: bearerOf(actor), headersOf: bearerOf, process: 'router' }];
  const specs = [
    { name: 'plain @apollo/gateway', process: 'plain-gateway', entry: 'scripts/lib/bench/plain-gateway', env: {} },
    { name: 'Hive Gateway (dedupe on)', process: 'hive-dedupe', entry: 'scripts/lib/bench/hive-gateway', env: { DEDUPE: 'on' } },
    { name: 'Hive Gateway (dedupe off)', process: 'hive-no-dedupe', entry: 'scripts/lib/bench/hive-gateway', env: { DEDUPE: 'off' } },
  ];
  for (const s of specs) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const ready = () =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...asActor }, body: '{"query":"{ __typename }"}', signal: AbortSignal.timeout(2000) }).then((r) => r.ok);
    await stack.startProcess(s.process, entryArgs(s.entry, fromBuild), { ...base, ...s.env, PORT: String(port) }, ready);
    out.push({ name: s.name, url, headers: asActor, headersOf: actorHeaders, process: s.process });
  }
  return out;
}

export interface ReadFigures {
  gateway: string;
  /** Median over rounds. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU ms of the gateway process per 1 000 requests (median over rounds). */
  cpuMsPer1000: number;
  errors: number;
  /** The first error code seen, for the table's note. */
  firstError?: string;
}

/** Who reads what in compareReads: one identity and order for every client, or one per client. */
export type Readers = { orderId: string } | { each: Array<{ actor: Actor; orderId: string }> };

/**
 * `rounds` interleaved rounds of `seconds` each per gateway, `concurrency` clients reading
 * `query`. `readers`: `{ orderId }` — every client sends the identical request as the
 * gateway's one identity (what in-flight deduplication is for); `{ each }` — client w reads
 * `each[w % n].orderId` as `each[w % n].actor` (with one entry per client, no two requests
 * in flight are the same, so nothing can be deduplicated). Every answer must carry the order
 * it asked for (else it counts as an error).
 */
export async function compareReads(stack: RunningStack, gateways: GatewayUnderTest[], query: string, readers: Readers, o: { rounds: number; seconds: number; concurrency: number }): Promise<ReadFigures[]> {
  const per = new Map<string, { rps: number[]; p50: number[]; p99: number[]; cpu: number[]; errors: number; firstError?: string }>();
  for (const g of gateways) per.set(g.name, { rps: [], p50: [], p99: [], cpu: [], errors: 0 });
  const clients = 'each' in readers ? readers.each : [{ actor: undefined, orderId: readers.orderId }];
  if (!clients.length) throw new Error('compareReads: no readers');
  const bodies = clients.map((c) => JSON.stringify({ query, variables: { id: c.orderId } }));
  for (let round = 0; round < o.rounds; round++) {
    for (const g of gateways) {
      const pid = stack.pids()[g.process];
      const c0 = cpuSeconds({ g: pid }).g;
      const r = await closedLoop({
        url: g.url,
        concurrency: o.concurrency,
        durationMs: o.seconds * 1000,
        request: (w) => ({ body: bodies[w % clients.length], headers: clients[w % clients.length].actor ? g.headersOf(clients[w % clients.length].actor!) : g.headers }),
        onSuccess: (b, _at, _ms, w) => (b.data?.order?.id === clients[w % clients.length].orderId ? true : undefined),
      });
      const c1 = cpuSeconds({ g: pid }).g;
      const f = per.get(g.name)!;
      const n = r.latencies.length;
      f.rps.push(n / (r.wallMs / 1000));
      f.p50.push(percentile(r.latencies, 50));
      f.p99.push(percentile(r.latencies, 99));
      f.cpu.push(n ? ((c1 - c0) * 1000 * 1000) / n : NaN);
      const errs = [...r.errors.values()].reduce((a, b) => a + b, 0);
      f.errors += errs;
      f.firstError ??= [...r.errors.keys()][0];
    }
  }
  return gateways.map((g) => {
    const f = per.get(g.name)!;
    return { gateway: g.name, requestsPerSecond: median(f.rps), p50Ms: median(f.p50), p99Ms: median(f.p99), cpuMsPer1000: median(f.cpu), errors: f.errors, firstError: f.firstError };
  });
}
