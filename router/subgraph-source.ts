import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, OperationTypeNode, parse, type DocumentNode, type GraphQLFormattedError, type SelectionSetNode } from 'graphql';
import { Pool } from 'undici';
import { ErrorCode } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { Metrics } from '../platform/metrics';
import { tracedCall } from '../platform/tracing';

type GatewayResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type FetchMetrics = ReturnType<Metrics['subgraphFetches']>;

/** One subgraph answer as it came over the wire; shared by every caller of a deduplicated fetch. */
interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** Why a fetch got no usable answer, as `reason` in SUBGRAPH_UNAVAILABLE and in the errors metric. */
class FetchFailure extends Error {
  constructor(
    readonly reason: 'TIMEOUT' | 'UNREACHABLE',
    cause: unknown,
  ) {
    super(`subgraph fetch failed: ${reason}`, { cause });
    this.name = 'FetchFailure';
  }
}

export interface SubgraphSourceOptions {
  /** The subgraph's name in the supergraph (metrics label, span peer, error `extensions.subgraph`). */
  name: string;
  /** Its GraphQL endpoint, e.g. http://127.0.0.1:4003/graphql. */
  url: string;
  log: Logger;
  metrics: FetchMetrics;
  /**
   * Milliseconds the subgraph may take to send its answer's headers, and the longest pause
   * between two chunks of its body (undici's `headersTimeout` / `bodyTimeout`). Either one
   * running out is reason TIMEOUT.
   */
  timeoutMs: number;
  /** Share one upstream request among identical concurrent queries (ROUTER_DEDUPE). */
  dedupe: boolean;
  /**
   * The headers this request forwards (router token, actor, idempotency key...), from the
   * gateway's per-request context. Everything returned here is part of the deduplication key.
   */
  headersFor(context: Record<string, unknown>): Record<string, string>;
}

/**
 * A subgraph as the router calls it.
 *
 * **Transport.** One keep-alive undici `Pool` per subgraph, with the timeout as dispatcher
 * options (`headersTimeout`, `bodyTimeout`) instead of a per-request AbortSignal: Node's
 * `fetch` with `AbortSignal.timeout` cost 28–40 % of the router's CPU under a read load
 * (issue 13). Every fetch keeps its client span and `traceparent` (platform/tracing.ts,
 * `tracedCall`) and its metrics (`ordergraph_router_subgraph_fetch_duration_seconds`,
 * `..._errors_total`, `..._deduplicated_total`).
 *
 * **In-flight deduplication** (when `dedupe`): a query identical to one already on its way
 * to the same subgraph — same body (query text, operation name, variables, extensions) and
 * the same forwarded headers (actor, router token, idempotency key: everything
 * `headersFor` returns) — waits for that request's answer instead of sending its own. Each
 * caller parses the shared answer text itself, so no two requests share a result object.
 * Only queries are shared, and only while the client's operation is a query too: a
 * mutation, or an entity fetch that is part of one, always goes upstream on its own. Two
 * identities never share, because the actor header is part of the key. The trace-context
 * and request-id headers are not part of the key (they differ per request by design): a
 * caller that joined another's request has no client span of its own.
 *
 * **Partial answers** (issue 10, point 4): a subgraph that is down, times out or answers
 * without a GraphQL body yields, in place of @apollo/gateway's bare "fetch failed" without
 * a path, one error per field the router asked it for, at that field's path in the client's
 * result: `extensions: { code: SUBGRAPH_UNAVAILABLE, subgraph, reason }` (reason: TIMEOUT,
 * UNREACHABLE or HTTP_<status>). The other subgraphs' data stays: the fields subgraphs add
 * to each other's entities are nullable (test/contracts/partial-answers.test.ts). A non-2xx
 * answer that does carry GraphQL errors (a subgraph's BAD_USER_INPUT is HTTP 400) passes
 * those errors on as they are.
 *
 * Unlike RemoteGraphQLDataSource it does not read a subgraph's `cache-control` header into
 * the operation's cache policy: no ordergraph subgraph sends one.
 */
export class SubgraphSource implements GraphQLDataSource<Record<string, unknown>> {
  private readonly url: URL;
  private readonly path: string;
  private readonly pool: Pool;
  private readonly inFlight = new Map<string, Promise<RawAnswer>>();

  constructor(private readonly o: SubgraphSourceOptions) {
    this.url = new URL(o.url);
    this.path = `${this.url.pathname}${this.url.search}`;
    this.pool = new Pool(this.url.origin, { headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs, connectTimeout: Math.min(o.timeoutMs, 10_000) });
  }

  async process(options: GraphQLDataSourceProcessOptions<Record<string, unknown>>): Promise<GatewayResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const body = JSON.stringify({ query: request.query, operationName: request.operationName, variables: request.variables, extensions: request.extensions });
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.o.headersFor(options.context) };
    let raw: RawAnswer;
    try {
      if (this.o.dedupe && sharable(options)) {
        const key = `${body}\n${JSON.stringify(headers)}`;
        const pending = this.inFlight.get(key);
        if (pending) {
          this.o.metrics.deduplicated.inc({ subgraph: this.o.name });
          raw = await pending;
        } else {
          const fetching = this.fetch(body, headers).finally(() => this.inFlight.delete(key));
          this.inFlight.set(key, fetching);
          raw = await fetching;
        }
      } else {
        raw = await this.fetch(body, headers);
      }
    } catch (e) {
      const reason = e instanceof FetchFailure ? e.reason : 'UNREACHABLE';
      this.o.log.warn({ subgraph: this.o.name, reason, err: e }, 'subgraph unavailable: partial answer');
      return { errors: unavailableErrors(this.o.name, reason, options) };
    }
    return this.answer(raw, options);
  }

  /** Closes the pool's connections (router shutdown). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** One upstream request: timed, counted and traced. Throws FetchFailure when no answer came. */
  private async fetch(body: string, headers: Record<string, string>): Promise<RawAnswer> {
    const { name, metrics } = this.o;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const res = await tracedCall(this.url, 'POST', headers, { service: 'router', peer: name }, () => this.pool.request({ path: this.path, method: 'POST', headers, body }));
      const text = await res.body.text();
      const ok = res.statusCode < 400;
      if (!ok) metrics.errors.inc({ subgraph: name, reason: res.statusCode >= 500 ? 'http_5xx' : 'http_4xx' });
      metrics.duration.observe({ subgraph: name, outcome: ok ? 'ok' : 'error' }, seconds());
      const contentType = res.headers['content-type'];
      return { status: res.statusCode, contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '', text };
    } catch (e) {
      const timeout = isTimeout(e);
      metrics.errors.inc({ subgraph: name, reason: timeout ? 'timeout' : 'network' });
      metrics.duration.observe({ subgraph: name, outcome: 'error' }, seconds());
      throw new FetchFailure(timeout ? 'TIMEOUT' : 'UNREACHABLE', e);
    }
  }

  /** The gateway's response for one raw answer (parsed afresh for every caller). */
  private answer(raw: RawAnswer, options: GraphQLDataSourceProcessOptions<Record<string, unknown>>): GatewayResponse {
    const json = /^application\/(graphql-response\+)?json/i.test(raw.contentType);
    let body: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[]; extensions?: Record<string, unknown> } | undefined;
    if (json) {
      try {
        const parsed: unknown = JSON.parse(raw.text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as typeof body;
      } catch {
        body = undefined;
      }
    }
    const ok = raw.status >= 200 && raw.status < 300;
    if (!ok) {
      if (body && Array.isArray(body.errors) && body.errors.length > 0) return { errors: body.errors, data: body.data ?? undefined };
      this.o.log.warn({ subgraph: this.o.name, status: raw.status }, 'subgraph unavailable: partial answer');
      return { errors: unavailableErrors(this.o.name, `HTTP_${raw.status}`, options) };
    }
    if (!body) {
      this.o.log.warn({ subgraph: this.o.name, contentType: raw.contentType }, 'subgraph answered without a GraphQL body: partial answer');
      return { errors: unavailableErrors(this.o.name, 'UNREACHABLE', options) };
    }
    if (Array.isArray(body.errors) && body.errors.length > 0) this.o.metrics.answered(this.o.name, body.errors.length);
    return { data: body.data ?? undefined, errors: body.errors, extensions: body.extensions };
  }
}

/**
 * True when this fetch may share another's answer: the subgraph operation is a query and
 * the client's operation is a query too (an `_entities` fetch during a mutation is never shared).
 */
function sharable(options: GraphQLDataSourceProcessOptions<Record<string, unknown>>): boolean {
  if (!/^\s*(query\b|\{)/.test(options.request.query ?? '')) return false;
  if (!('incomingRequestContext' in options)) return false;
  return options.incomingRequestContext.operation?.operation === OperationTypeNode.QUERY;
}

/** undici's connect, headers and body timeouts. */
function isTimeout(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || (e as Error).name === 'TimeoutError';
}

/** The response keys a selection set asks for (through inline fragments), __typename aside. */
function responseKeys(set: SelectionSetNode | undefined, into = new Set<string>()): Set<string> {
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value !== '__typename') into.add(s.alias?.value ?? s.name.value);
    } else if (s.kind === Kind.INLINE_FRAGMENT) responseKeys(s.selectionSet, into);
  }
  return into;
}

/** One coded error per field this fetch was for: `_entities.<i>.<key>` for an entity fetch (the gateway maps it to the client's path), `<key>` for a root fetch. */
function unavailableErrors(subgraph: string, reason: string, options: GraphQLDataSourceProcessOptions<Record<string, unknown>>): GraphQLFormattedError[] {
  const error = (path?: Array<string | number>): GraphQLFormattedError => ({
    message: `The ${subgraph} service is unavailable: its fields are null in this answer. Retry later.`,
    ...(path ? { path } : {}),
    extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, subgraph, reason },
  });
  // The gateway passes the fetch's own operation as `document`; parse the text only without it.
  let doc = (options as { document?: DocumentNode }).document;
  try {
    doc ??= options.request.query ? parse(options.request.query) : undefined;
  } catch {
    doc = undefined;
  }
  const op = doc?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) return [error()];
  const roots = op.selectionSet.selections;
  const entities = roots.length === 1 && roots[0].kind === Kind.FIELD && roots[0].name.value === '_entities' ? roots[0] : undefined;
  if (entities) {
    const count = (options.request.variables?.representations as unknown[] | undefined)?.length ?? 0;
    const keys = [...responseKeys(entities.selectionSet)];
    const errors: GraphQLFormattedError[] = [];
    for (let i = 0; i < count; i++) for (const k of keys.length ? keys : [undefined]) errors.push(error(k ? ['_entities', i, k] : ['_entities', i]));
    return errors.length ? errors : [error()];
  }
  const keys = [...responseKeys(op.selectionSet)];
  return keys.length ? keys.map((k) => error([k])) : [error()];
}
