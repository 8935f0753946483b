// Helpers for the per-subgraph component tests (subgraphs/<ctx>/<ctx>.component.test.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode } from 'graphql';
import { DEV_INTERNAL_TOKEN } from '../../platform/config';
import { createEnvelope, type Envelope, type EventContract, type EventData } from '../../platform/events';
import { ensureStream } from '../../platform/nats';
import { INTERNAL_TOKEN_HEADER } from '../../platform/service';
import { subgraphGql } from './stack';

/** `http://host:port` of a subgraph, from its `/graphql` URL. */
export const baseUrlOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '');

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
}

async function answer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}

/** A GraphQL POST as an outsider would send it: no router token unless given in `headers`. */
export async function plainGraphQL(url: string, query: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return answer(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) }));
}

export async function getJson(url: string): Promise<HttpAnswer> {
  return answer(await fetch(url));
}

/** POST to a subgraph's `/internal/*` route, with the service-to-service token unless `token` is null. */
export async function postInternal(baseUrl: string, path: string, body: unknown, token: string | null = DEV_INTERNAL_TOKEN): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers[INTERNAL_TOKEN_HEADER] = token;
  return answer(await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

/**
 * The checks every subgraph shares: GraphQL only for the router (403 FORBIDDEN
 * without or with a wrong token), probes open to the cluster (200 without a token).
 */
export function describeRouterOnlyAccess(context: string, graphqlUrl: () => string): void {
  describe(`${context}: only the router may query it; probes are open`, () => {
    test('GraphQL without the router token is 403 FORBIDDEN', async () => {
      const r = await plainGraphQL(graphqlUrl(), '{ __typename }');
      expect(r.status).toBe(403);
      expect(r.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(r.body.data).toBeUndefined();
    });

    test('GraphQL with a wrong router token is 403 FORBIDDEN', async () => {
      const r = await plainGraphQL(graphqlUrl(), '{ __typename }', { 'x-ordergraph-router-token': 'not-the-router-token-at-all' });
      expect(r.status).toBe(403);
      expect(r.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    test('the same query with the router token answers', async () => {
      const r = await subgraphGql(graphqlUrl(), '{ __typename }');
      expect(r).toEqual({ data: { __typename: 'Query' } });
    });

    test('GET /health/live and /health/ready answer 200 without a token', async () => {
      const base = baseUrlOf(graphqlUrl());
      const live = await getJson(`${base}/health/live`);
      expect(live).toMatchObject({ status: 200, body: { status: 'ok', service: context } });
      const ready = await getJson(`${base}/health/ready`);
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready', service: context, phase: 'running', checks: { nats: { ok: true }, database: { ok: true }, relay: { ok: true }, consumers: { ok: true } } } });
    });
  });
}

/** Definitions as comparable text: descriptions in one style, the federation's own `_` fields left out. */
function normalise(doc: DocumentNode): Map<string, string> {
  const plain = visit(doc, {
    StringValue: (node) => ({ ...node, block: false }),
    FieldDefinition: (node) => (node.name.value.startsWith('_') ? null : undefined),
  });
  const out = new Map<string, string>();
  for (const d of plain.definitions as DefinitionNode[]) {
    if ('name' in d && d.name && d.kind !== Kind.DIRECTIVE_DEFINITION) out.set(d.name.value, print(d));
  }
  return out;
}

/**
 * Asserts that `_service { sdl }` is the subgraph's schema.graphql: every type the
 * file defines is served exactly as written (plus the federation's additions), and
 * `_Entity` lists exactly the file's @key types (stub keys such as `resolvable: false` included).
 */
export async function expectServesSchemaFile(graphqlUrl: string, context: string): Promise<void> {
  const r = await subgraphGql<{ _service: { sdl: string } }>(graphqlUrl, '{ _service { sdl } }');
  expect(r.errors).toBeUndefined();
  const sdl = r.data!._service.sdl;
  expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7"');
  const fileDoc = parse(readFileSync(resolve(__dirname, '../../subgraphs', context, 'schema.graphql'), 'utf8'));
  const served = normalise(parse(sdl));
  const file = normalise(fileDoc);
  expect(file.size).toBeGreaterThan(0);
  for (const [name, text] of file) expect({ name, text: served.get(name) }).toEqual({ name, text });

  const entities = fileDoc.definitions
    .filter((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION)
    .filter((d) => d.directives?.some((k) => k.name.value === 'key'))
    .map((d) => d.name.value)
    .sort();
  const union = /union _Entity = ([^\n]+)/.exec(sdl)?.[1].split('|').map((s) => s.trim()).sort();
  expect(union).toEqual(entities);
}

/** Publishes an event as its producer's outbox relay would: the producer's stream, the event id as message id. */
export async function publishEvent<C extends EventContract>(
  natsUrl: string,
  contract: C,
  data: EventData<C>,
  meta: { correlationId: string; causationId?: string | null },
): Promise<Envelope<EventData<C>>> {
  const env = createEnvelope(contract, data, meta);
  const nc = await connect({ servers: natsUrl, name: 'ordergraph-test-publisher' });
  try {
    await ensureStream(await jetstreamManager(nc), contract.subject.split('.')[0]);
    await jetstream(nc).publish(contract.subject, JSON.stringify(env), { msgID: env.id, expect: { streamName: contract.stream } });
  } finally {
    await nc.close();
  }
  return env;
}
