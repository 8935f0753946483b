import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { Supergraph } from '@apollo/federation-internals';
import { CloseCode } from 'graphql-ws';
// graphql-ws's ws adapter sits behind a package export that "moduleResolution": "node" cannot
// see: the types come from its file, the code from the export (as Node and tsx resolve it).
import type { useServer as UseServer } from 'graphql-ws/dist/use/ws.cjs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as { useServer: typeof UseServer };
import {
  GraphQLError,
  Kind,
  getOperationAST,
  parse,
  print,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { WebSocketServer } from 'ws';
import type { RequestHandler } from 'express';
import { requireCustomer, requireStaffOf, unauthenticated, type Actor } from '../platform/auth';
import { DomainError, ErrorCode } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { Metrics, SubscriptionTransport } from '../platform/metrics';
import { AuthError, bearerOf, type Verifier, type VerifiedToken } from './auth';
import type { RouterContext } from './gateway';
import { checkGuards, type GuardLimits } from './guards';
import { checkOperationInput } from '../platform/input-rules';
import { maskError } from '../platform/error-masking';
import type { OrderChange, OrderEventHub } from './order-events';
import { createSseHandler } from './sse';

/**
 * GraphQL subscriptions on the router itself, because @apollo/gateway cannot execute them.
 * The subscription fields are declared in ordering's SDL and composed into the supergraph;
 * the router validates against the supergraph's API schema and serves them over two
 * transports that share one implementation (the SubscriptionEngine below: authenticate,
 * validate, subscribe, re-read, push):
 *
 * - graphql-ws on the WebSocket upgrade of `/graphql` (this file);
 * - Server-Sent Events (graphql-sse, "distinct connections" mode) on `/graphql` with
 *   `Accept: text/event-stream` (router/sse.ts), resumable with the `Last-Event-ID` header.
 *
 * What both do:
 * - events come from this replica's OrderEventHub (ordering's stream in NATS);
 * - each push carries the client's selection under `order` (fields of any subgraph), read
 *   through the gateway as the subscriber and at least at the event's version, so the
 *   payload is consistent with the event. Subscribers whose access scope (accessScope) and
 *   selection are the same share one read per change; a selection of only fields the event
 *   carries (id, status, version, customerId, storeId) is answered from the event, as of
 *   that change, with no read;
 * - `after: <cursor>` (or SSE's Last-Event-ID) replays what the client missed before the live changes.
 *
 * Authentication: a bearer JWT — graphql-ws: in connectionParams (`{ authorization: "Bearer …" }`)
 * or the upgrade request's Authorization header, refused with close code 4401, and the socket
 * closes with 4401 when the token expires; SSE: the Authorization header, refused with HTTP 401,
 * and the stream ends with an UNAUTHENTICATED error when the token expires.
 */
export interface SubscriptionDeps {
  httpServer: Server;
  path: string;
  supergraphSdl: string;
  apollo: ApolloServer<RouterContext>;
  hub: OrderEventHub;
  verifier: Verifier;
  limits: GuardLimits;
  /** Changes that may wait for one subscriber before it is ended with SLOW_SUBSCRIBER. */
  maxBuffered: number;
  /** Largest JSON body of an SSE request (POST), in bytes; default 100 000. */
  maxBodyBytes?: number;
  log: Logger;
  production: boolean;
  /** Active subscriptions, pushes, push latency, slow subscribers dropped, order reads. */
  metrics?: ReturnType<Metrics['subscriptions']>;
}

export type Transport = SubscriptionTransport;

/** The context of one subscription (or query, mutation) on either transport. */
export interface SubscriptionContext extends RouterContext {
  actor: Actor;
  transport: Transport;
  /** SSE: the Last-Event-ID header (the cursor of the last change received); it replaces `after`. */
  lastEventId?: string;
  /** When the token expires (epoch ms): an SSE subscription ends then (a graphql-ws socket is closed with 4401). */
  expiresAt?: number;
}

/** An operation as a client sends it (graphql-ws `subscribe` payload, graphql-sse request parameters). */
export interface OperationPayload {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * The transport-neutral part of subscriptions; router/sse.ts and the graphql-ws server below
 * only carry its results.
 */
export interface SubscriptionEngine {
  readonly schema: GraphQLSchema;
  /** Verifies an Authorization header value ("Bearer <JWT>"); throws AuthError when missing or bad. */
  authenticate(authorization: string | undefined): Promise<VerifiedToken>;
  /**
   * Parses and validates an operation (schema, guard rails of router/guards.ts, input rules of
   * platform/input-rules.ts) into the arguments to execute or subscribe with, or the coded errors.
   */
  prepare(payload: OperationPayload, ctx: SubscriptionContext): ExecutionArgs | readonly GraphQLError[];
  /** Queries and mutations sent over a subscription transport: through the gateway, like HTTP ones. */
  execute(args: ExecutionArgs): Promise<ExecutionResult>;
  /**
   * Called with each result right before it is sent: counts the push (metrics), masks its
   * errors (platform/error-masking.ts) and tells which change it carries (its cursor is
   * the SSE event id); `change` is undefined for results that carry none (errors, queries).
   */
  sending(ctx: SubscriptionContext, result: ExecutionResult): { result: ExecutionResult; change?: OrderChange };
  /** Masks errors sent outside `sending` (graphql-ws's error message). */
  maskErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[];
}

/** What the stream yields: a change, or, last, the error that ended it (sent as a coded GraphQL error). */
type StreamItem = OrderChange | { error: GraphQLError };

class ChangeStream implements AsyncIterableIterator<StreamItem> {
  private readonly items: StreamItem[] = [];
  private waiting?: (r: IteratorResult<StreamItem>) => void;
  private done = false;
  private lastSeq = 0;
  private readonly cleanups: Array<() => void> = [];
  /** The item handed out last: the one being sent now (graphql-js maps the items one at a time). */
  lastYielded?: StreamItem;

  /** `maxBuffered`: changes waiting for one subscriber; bounded so a stuck client cannot grow the router. */
  constructor(
    private readonly accept: (c: OrderChange) => boolean,
    private readonly maxBuffered: number,
    private readonly onSlow?: () => void,
  ) {}

  onClose(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Adds a change unless it was already delivered (replay and live overlap) or does not match; true when queued. */
  push(c: OrderChange): boolean {
    if (this.done || c.seq <= this.lastSeq || !this.accept(c)) return false;
    this.lastSeq = c.seq;
    if (this.items.length >= this.maxBuffered) {
      this.onSlow?.();
      this.fail(
        new DomainError(ErrorCode.SLOW_SUBSCRIBER, `Subscriber too slow: more than ${this.maxBuffered} changes waiting. Subscribe again with \`after\` set to the last cursor you received.`),
      );
      return false;
    }
    this.deliver(c);
    return true;
  }

  /** Ends the stream: what is queued is delivered, then the error, then the end. */
  fail(error: GraphQLError): void {
    if (this.done) return;
    this.deliver({ error });
    this.finish();
  }

  private deliver(item: StreamItem): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      this.lastYielded = item;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  async next(): Promise<IteratorResult<StreamItem>> {
    if (this.items.length) return { value: (this.lastYielded = this.items.shift()!), done: false };
    if (this.done) return { value: undefined, done: true };
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async return(): Promise<IteratorResult<StreamItem>> {
    this.items.length = 0;
    this.finish();
    return { value: undefined, done: true };
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const fn of this.cleanups) fn();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** A resume cursor (`after`, Last-Event-ID) as a stream sequence; -1 when absent; BAD_USER_INPUT when malformed. */
function parseCursor(after: unknown, field: string): number {
  if (after === undefined || after === null) return -1;
  if (typeof after !== 'string' || !/^\d{1,15}$/.test(after)) throw new DomainError(ErrorCode.BAD_USER_INPUT, `\`${field}\` must be a cursor received from this subscription.`, { field });
  return Number(after);
}

/**
 * What the subgraphs' answers about an order depend on for this actor, so subscribers with
 * the same scope may share one read. The rule is platform/auth.ts (canAccess, requireAccess,
 * requireStaffOf), which every subgraph authorizes with: an admin sees every order; a
 * customer only orders whose customerId is their `sub`; store staff only orders of their
 * `storeId`, whoever they are. Couriers and stock managers are not shared across people
 * (their `sub` is kept), since nothing would be gained by assuming more.
 */
export function accessScope(actor: Actor): string {
  switch (actor.role) {
    case 'admin':
      return 'admin';
    case 'customer':
      return `customer:${actor.sub}`;
    case 'store-staff':
      return `store-staff:${actor.storeId}`;
    default:
      return `${actor.role}:${actor.sub}`;
  }
}

type GatewayResult = { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

/** Builds the transport-neutral engine (see SubscriptionEngine). */
export function createSubscriptionEngine(deps: Omit<SubscriptionDeps, 'httpServer' | 'path' | 'maxBodyBytes'>): SubscriptionEngine {
  const { apollo, hub, log, metrics } = deps;
  /** Each subscription's stream, by its per-subscription context value (for `sending`). */
  const streams = new WeakMap<object, ChangeStream>();
  /** Changes read back from the stream for a resuming client: not live, so not in the push latency. */
  const replayed = new WeakSet<OrderChange>();
  const schema: GraphQLSchema = Supergraph.build(deps.supergraphSdl).apiSchema().toGraphQLJSSchema();

  /** Runs an operation through the gateway as `actor` (the same path as HTTP, with the subgraphs' authorization). */
  async function viaGateway(query: string, variables: Record<string, unknown>, actor: Actor): Promise<GatewayResult> {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: { actor } });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as GatewayResult;
  }

  const asGraphQLError = (e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions });

  /** Who may follow one order: asked of ordering through the gateway, with the subscriber's identity. */
  async function authorizeOrder(orderId: string, actor: Actor): Promise<void> {
    const r = await viaGateway('query OrderAccess($id: ID!) { order(id: $id) { id } }', { id: orderId }, actor);
    if (r.errors?.length) throw asGraphQLError(r.errors[0]);
    if (!r.data?.order) throw new DomainError(ErrorCode.ORDER_NOT_FOUND, `No order ${orderId}.`, { orderId });
  }

  /** Where to resume: SSE's Last-Event-ID (a reconnect) wins over the operation's own `after`. */
  const resumeFrom = (args: { after?: string | null }, ctx: SubscriptionContext) =>
    ctx.lastEventId !== undefined ? parseCursor(ctx.lastEventId, 'Last-Event-ID') : parseCursor(args.after, 'after');

  /** A live stream of matching changes, preceded by the ones after `after` when given. */
  function changes(accept: (c: OrderChange) => boolean, after: number, ctx: SubscriptionContext): ChangeStream {
    const stream = new ChangeStream(accept, deps.maxBuffered, () => metrics?.slowDropped.inc());
    const labels = { transport: ctx.transport };
    metrics?.active.inc(labels);
    stream.onClose(() => metrics?.active.dec(labels));
    // Listen first, then replay: a change stored after the replay's end arrives live (duplicates are dropped by seq).
    const buffered: OrderChange[] = [];
    let replaying = after >= 0;
    // A live change starts its read at once (prefetch), not when the subscriber gets to it.
    stream.onClose(hub.listen((c) => (replaying ? buffered.push(c) : stream.push(c) && prefetch(ctx, c))));
    if (replaying) {
      hub.replay(after).then(
        (missed) => {
          for (const c of missed) {
            replayed.add(c);
            stream.push(c);
          }
          replaying = false;
          for (const c of buffered.splice(0)) stream.push(c);
        },
        (e) => {
          // Going on live would silently skip what the client asked for: end it, the client retries.
          log.error({ err: e, after }, 'replay failed');
          stream.fail(new DomainError(ErrorCode.REPLAY_FAILED, 'Could not replay the changes after your cursor; subscribe again.'));
        },
      );
    }
    return stream;
  }

  const subscriptionFields = schema.getSubscriptionType()!.getFields();
  subscriptionFields.orderStatusChanged.subscribe = async (_src, args: { orderId: string; after?: string }, ctx: SubscriptionContext) => {
    const after = resumeFrom(args, ctx);
    await authorizeOrder(args.orderId, ctx.actor);
    return changes((c) => c.orderId === args.orderId, after, ctx);
  };
  subscriptionFields.myOrderStatusChanged.subscribe = async (_src, args: { after?: string }, ctx: SubscriptionContext) => {
    const after = resumeFrom(args, ctx);
    const customerId = requireCustomer(ctx);
    return changes((c) => c.customerId === customerId, after, ctx);
  };
  subscriptionFields.storeOrderStatusChanged.subscribe = async (_src, args: { storeId: string; after?: string }, ctx: SubscriptionContext) => {
    const after = resumeFrom(args, ctx);
    requireStaffOf(ctx, args.storeId);
    return changes((c) => c.storeId === args.storeId, after, ctx);
  };
  for (const f of Object.values(subscriptionFields))
    f.resolve = (item: StreamItem) => {
      if ('error' in item) throw item.error;
      return item;
    };
  for (const f of Object.values(subscriptionFields)) {
    const subscribe = f.subscribe!;
    f.subscribe = async (src, args, ctx: SubscriptionContext, info) => {
      const stream = (await subscribe(src, args, ctx, info)) as ChangeStream;
      streams.set(ctx, stream);
      // A socket is closed with 4401 at expiry (below); a stream of events ends with the error instead.
      if (ctx.transport === 'sse' && ctx.expiresAt !== undefined) {
        const timer = setTimeout(() => stream.fail(unauthenticated('Token expired: get a new one and subscribe again (with Last-Event-ID to resume).')), Math.max(0, ctx.expiresAt - Date.now()));
        timer.unref();
        stream.onClose(() => clearTimeout(timer));
      }
      return stream;
    };
  }

  // OrderStatusChange.order: the client's selection, read through the gateway.
  const changeType = schema.getType('OrderStatusChange') as import('graphql').GraphQLObjectType;
  for (const [name, field] of Object.entries(changeType.getFields())) field.resolve = (change: Record<string, unknown>) => change[name];
  changeType.getFields().order.resolve = async (change: OrderChange, _args, ctx: SubscriptionContext, info) => {
    const { query, variables, key, fromEvent } = orderQueryOf(info, change.orderId);
    // Only fields the event carries: the order as of this very change, no read at all. The
    // subscription's filter already holds this change to the subscriber's access (its order,
    // customer or store, which never change for an order).
    if (fromEvent && (change.storeId !== undefined || !fromEvent.has('storeId'))) {
      metrics?.orderReads.inc({ source: 'event' });
      return { __typename: 'Order', id: change.orderId, status: change.status, version: change.version, customerId: change.customerId, storeId: change.storeId };
    }
    const scope = accessScope(ctx.actor);
    // From now on this subscription's next live changes are read as soon as they arrive.
    let byKey = prefetchers.get(ctx);
    if (!byKey) prefetchers.set(ctx, (byKey = new Map()));
    if (!byKey.has(key) && byKey.size < 10) {
      byKey.set(key, (c) => {
        // Every subscription of the scope registers this: the first one starts the read, the others find it (SharedReads.ahead).
        reads.ahead(readKey(c, 0, scope, key), () => viaGateway(query, { ...variables, [ORDER_ID_VAR]: c.orderId }, ctx.actor));
      });
    }
    // The event is published after ordering committed, so the read normally shows it at once;
    // the retries cover a replica or cache that lags.
    for (let attempt = 0; ; attempt++) {
      const r = await sharedRead(readKey(change, attempt, scope, key), () => viaGateway(query, variables, ctx.actor));
      // A subgraph down under the order: push the partial order, its errors at their fields (as HTTP answers it).
      const partial = !!r.data?.order && !!r.errors?.length && r.errors.every((e) => e.extensions?.code === ErrorCode.SUBGRAPH_UNAVAILABLE && (e as { path?: unknown[] }).path?.[0] === 'order');
      if (r.errors?.length && !partial) throw asGraphQLError(r.errors[0]);
      if (partial) attachFieldErrors(r.data!.order, r.errors!.map((e) => ({ path: ((e as { path?: Array<string | number> }).path ?? []).slice(1), error: asGraphQLError(e) })));
      const order = r.data?.order;
      if (!order) throw new DomainError(ErrorCode.ORDER_NOT_FOUND, `No order ${change.orderId}.`, { orderId: change.orderId });
      if (order[VERSION_ALIAS] >= change.version) return order;
      if (attempt >= 5) {
        throw new DomainError(ErrorCode.ORDER_READ_STALE, `Order ${change.orderId} still reads at version ${order[VERSION_ALIAS]}, older than this change (${change.version}).`, {
          orderId: change.orderId,
        });
      }
      await new Promise((res) => setTimeout(res, 20 * (attempt + 1)));
    }
  };

  /**
   * One gateway read per (order version, attempt, access scope, selection): subscribers that
   * may see the same (accessScope) and ask the same share it — fifty staff of one store
   * following their store cost one read per change, not fifty. Different scopes never share,
   * because what a subgraph answers depends on who asks. The read runs as the first
   * subscriber's actor; every actor of the scope would get the same answer (accessScope).
   */
  const reads = new SharedReads<GatewayResult>();
  const readKey = (c: OrderChange, attempt: number, scope: string, selectionKey: string) => `${c.orderId}@${c.version}|${attempt}|${scope}|${selectionKey}`;
  /** A push's read (see SharedReads.get), counted as `gateway` by the first push that uses it, `shared` after that. */
  function sharedRead(key: string, read: () => Promise<GatewayResult>): Promise<GatewayResult> {
    const { result, first } = reads.get(key, read);
    metrics?.orderReads.inc({ source: first ? 'gateway' : 'shared' });
    return result;
  }

  /**
   * Prefetch: graphql-js maps one subscription's changes one at a time, so without it the read
   * of a change would start only when the first subscriber of the scope is done with the
   * previous one — reads in series, at most 1 / (read time) changes a second per scope. Each
   * subscription whose `order` needs a read registers, at its first push, how to read a change
   * for it; its live changes then start their (shared) read as they arrive. Bounded: at most
   * SharedReads' maxAhead reads started ahead at once (beyond, a change is read when its push gets to it).
   */
  const prefetchers = new WeakMap<object, Map<string, (c: OrderChange) => void>>();
  function prefetch(ctx: SubscriptionContext, c: OrderChange): void {
    for (const start of prefetchers.get(ctx)?.values() ?? []) start(c);
  }

  /**
   * orderQueryFor per push would print the same query for every change: it depends only on the
   * operation, the `order` field's place in it and the subscription's variables, so it is
   * built once per operation (documents live as long as their subscriptions) and response key.
   */
  const queries = new WeakMap<object, Map<string, { query: string; variables: Record<string, unknown>; key: string; fromEvent?: Set<string> }>>();
  function orderQueryOf(info: GraphQLResolveInfo, orderId: string) {
    const path = pathKey(info.path);
    let byPath = queries.get(info.operation);
    if (!byPath) queries.set(info.operation, (byPath = new Map()));
    // Variables are fixed per subscription, not per operation document: part of the cache key.
    const varsKey = JSON.stringify(info.variableValues);
    let built = byPath.get(`${path}|${varsKey}`);
    if (!built) {
      const { query, variables } = orderQueryFor(info, orderId);
      delete variables[ORDER_ID_VAR];
      built = { query, variables, key: `${query}|${JSON.stringify(variables)}`, fromEvent: eventOnlySelection(info) };
      if (byPath.size < 100) byPath.set(`${path}|${varsKey}`, built);
    }
    return { query: built.query, variables: { ...built.variables, [ORDER_ID_VAR]: orderId }, key: built.key, fromEvent: built.fromEvent };
  }

  /** Data read through the gateway is keyed by response name (aliases): read it that way. */
  const fieldResolver: GraphQLFieldResolver<any, any> = (source, _args, _ctx, info) => {
    if (source === null || typeof source !== 'object') return undefined;
    const fieldError = (source as { [FIELD_ERRORS]?: Map<string | number, GraphQLError> })[FIELD_ERRORS]?.get(info.path.key);
    if (fieldError) throw fieldError;
    return info.path.key in source ? source[info.path.key] : source[info.fieldName];
  };

  const maskErrors = (errors: readonly GraphQLError[]) => errors.map((e) => maskError(e.toJSON(), e, log));

  return {
    schema,
    async authenticate(authorization) {
      const token = bearerOf(authorization);
      if (!token) throw new AuthError('Sign in first: send Authorization: Bearer <JWT>.');
      return deps.verifier.verify(token);
    },
    prepare(payload, ctx) {
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (e) {
        return [new GraphQLError((e as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      }
      const errors = validate(schema, document);
      if (errors.length) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
      const guard = checkGuards(schema, document, deps.limits);
      if (guard) return [guard];
      // The same input rules as HTTP (platform/input-rules.ts).
      const operation = getOperationAST(document, payload.operationName);
      if (operation) {
        try {
          checkOperationInput(schema, document, operation, (payload.variables ?? {}) as Record<string, unknown>);
        } catch (e) {
          return [e as GraphQLError];
        }
      }
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: ctx, fieldResolver };
    },
    async execute(args) {
      const actor = (args.contextValue as SubscriptionContext).actor;
      return (await viaGateway(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, actor)) as ExecutionResult;
    },
    sending(ctx, result) {
      const item = streams.get(ctx)?.lastYielded;
      const change = item && !('error' in item) ? item : undefined;
      if (metrics && change) {
        const labels = { transport: ctx.transport };
        metrics.pushes.inc(labels);
        if (!replayed.has(change)) metrics.pushLatency.observe(labels, Math.max(0, Date.now() - Date.parse(change.occurredAt)) / 1000);
      }
      if (!result.errors?.length) return { result, change };
      return { result: { ...result, errors: maskErrors(result.errors) as never }, change };
    },
    maskErrors,
  };
}

/** Order fields an OrderStatusChanged / OrderPlaced event carries (router/order-events.ts, OrderChange). */
const EVENT_FIELDS = new Set(['__typename', 'id', 'status', 'version', 'customerId', 'storeId']);

/**
 * The Order fields asked under `order` when every one of them is in the event (plain fields,
 * aliases allowed, no arguments, directives or fragments); undefined when a read is needed.
 */
function eventOnlySelection(info: GraphQLResolveInfo): Set<string> | undefined {
  const names = new Set<string>();
  for (const node of info.fieldNodes) {
    for (const s of node.selectionSet?.selections ?? []) {
      if (s.kind !== Kind.FIELD || s.arguments?.length || s.directives?.length || s.selectionSet || !EVENT_FIELDS.has(s.name.value)) return undefined;
      names.add(s.name.value);
    }
  }
  return names;
}

/**
 * The order reads of pushes, shared by key (order version, attempt, access scope, selection:
 * see the engine's readKey; different scopes never share a key) and started ahead of their
 * pushes (`ahead`). Router-wide, one per engine.
 *
 * - `get(key, read)`: the read for `key`, started now unless it is in flight or kept; `first`
 *   tells whether this is the first push to use it (whoever started it).
 * - `ahead(key, read)`: starts the read for `key` unless it is in flight or kept, or
 *   `maxAhead` reads started ahead are still running; true when it started one. Only a read
 *   actually started counts against `maxAhead`, and it stops counting when it settles.
 * - A finished read stays `keptMs` (a failed one `failedKeptMs`, to be tried again soon):
 *   subscribers of one event ask within milliseconds of each other, unless they are behind
 *   (still pushing earlier changes) and reach a read started ahead later. The key holds the
 *   order's version, so a kept read is still at least at its change's version. At most
 *   `maxKept` reads are kept (the oldest go first).
 */
export class SharedReads<T> {
  private readonly entries = new Map<string, { result: Promise<T>; claimed: boolean }>();
  private runningAhead = 0;

  constructor(private readonly o: { keptMs: number; failedKeptMs: number; maxKept: number; maxAhead: number } = { keptMs: 15_000, failedKeptMs: 1000, maxKept: 5000, maxAhead: 64 }) {}

  get(key: string, read: () => Promise<T>): { result: Promise<T>; first: boolean } {
    const entry = this.entries.get(key) ?? this.start(key, read);
    const first = !entry.claimed;
    entry.claimed = true;
    return { result: entry.result, first };
  }

  ahead(key: string, read: () => Promise<T>): boolean {
    if (this.entries.has(key) || this.runningAhead >= this.o.maxAhead) return false;
    this.runningAhead++;
    const settled = () => void this.runningAhead--;
    this.start(key, read).result.then(settled, settled);
    return true;
  }

  /** Reads started ahead and not settled yet. */
  get aheadRunning(): number {
    return this.runningAhead;
  }

  /** Reads in flight or kept. */
  get size(): number {
    return this.entries.size;
  }

  private start(key: string, read: () => Promise<T>): { result: Promise<T>; claimed: boolean } {
    let result: Promise<T>;
    try {
      result = read();
    } catch (e) {
      result = Promise.reject(e);
    }
    const entry = { result, claimed: false };
    this.entries.set(key, entry);
    const forget = (ms: number) => () => void setTimeout(() => this.entries.get(key) === entry && this.entries.delete(key), ms).unref();
    result.then(forget(this.o.keptMs), forget(this.o.failedKeptMs));
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.o.maxKept) break;
      this.entries.delete(old);
    }
    return entry;
  }
}

const pathKey = (p: GraphQLResolveInfo['path'] | undefined): string => (p ? `${pathKey(p.prev)}.${p.key}` : '');

/**
 * Starts both transports on the router's HTTP server: graphql-ws on the WebSocket upgrade of
 * `path`, and returns `sse`, the Express handler to mount on `path` for Server-Sent Events
 * (router/sse.ts; it passes every request that does not accept text/event-stream on).
 */
export function startSubscriptions(deps: SubscriptionDeps): { close(): Promise<void>; connections(): number; sse: RequestHandler } {
  const { log, metrics } = deps;
  const engine = createSubscriptionEngine(deps);
  const sse = createSseHandler(engine, { log, maxBodyBytes: deps.maxBodyBytes ?? 100_000, metrics });

  const wss = new WebSocketServer({ server: deps.httpServer, path: deps.path });
  metrics?.readConnections('graphql-ws', () => wss.clients.size);
  const expiryTimers = new Map<object, NodeJS.Timeout>();

  const disposable = useServer<Record<string, unknown>, { actor?: Actor; expiresAt?: number }>(
    {
      schema: engine.schema,
      isProd: deps.production,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        try {
          const params = ctx.connectionParams ?? {};
          // Clients differ: { authorization }, { Authorization }, { headers: { Authorization } } (Apollo tools), { token }, or the upgrade request's header.
          const headers = (typeof params.headers === 'object' && params.headers ? params.headers : {}) as Record<string, unknown>;
          const header = (params.authorization ??
            params.Authorization ??
            headers.authorization ??
            headers.Authorization ??
            (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined) ??
            ctx.extra.request.headers.authorization) as string | undefined;
          if (!bearerOf(header)) throw new AuthError('Sign in first: send connectionParams { authorization: "Bearer <JWT>" }.');
          const verified = await engine.authenticate(header);
          ctx.extra.actor = verified.actor;
          if (verified.expiresAt !== undefined) {
            const timer = setTimeout(() => socket.close(CloseCode.Unauthorized, 'Token expired'), Math.max(0, verified.expiresAt - Date.now()));
            timer.unref();
            expiryTimers.set(socket, timer);
          }
          log.debug({ sub: verified.actor.sub, role: verified.actor.role }, 'subscription connection');
          return true;
        } catch (e) {
          const reason = e instanceof AuthError ? e.message : 'Unauthorized';
          // Close reasons are at most 123 bytes.
          socket.close(CloseCode.Unauthorized, Buffer.from(reason).subarray(0, 120).toString());
          return false;
        }
      },
      onClose: (ctx) => {
        clearTimeout(expiryTimers.get(ctx.extra.socket));
        expiryTimers.delete(ctx.extra.socket);
      },
      onSubscribe: (ctx, _id, payload) => {
        const prepared = engine.prepare(payload, { actor: ctx.extra.actor!, transport: 'graphql-ws' });
        return Array.isArray(prepared) ? (prepared as GraphQLError[]) : (prepared as ExecutionArgs);
      },
      execute: (args: ExecutionArgs) => engine.execute(args) as never,
      // Errors on the socket are masked like HTTP ones (platform/error-masking.ts): coded ones kept, the rest an errorId.
      onError: (_ctx, _id, _payload, errors) => engine.maskErrors(errors),
      onNext: (_ctx, _id, _payload, args, result) => {
        const sent = engine.sending(args.contextValue as SubscriptionContext, result as ExecutionResult);
        return sent.result === result ? undefined : (sent.result as never);
      },
      onOperation: (ctx, _id, payload, args) => {
        if (!log.isLevelEnabled('debug')) return;
        const op = getOperationAST(args.document, payload.operationName);
        log.debug({ sub: ctx.extra.actor?.sub, operation: op?.operation, name: op?.name?.value, transport: 'graphql-ws' }, 'subscription started');
      },
    },
    wss,
  );

  return {
    sse: sse.handler,
    connections: () => wss.clients.size + sse.open(),
    async close() {
      for (const t of expiryTimers.values()) clearTimeout(t);
      for (const client of wss.clients) client.close(1001, 'Router shutting down');
      await Promise.all([disposable.dispose(), sse.close()]);
    },
  };
}

const VERSION_ALIAS = '_ogVersion';
/** Errors of a partial re-read, kept on the object whose field the gateway nulled (read by the field resolver). */
const FIELD_ERRORS = Symbol('fieldErrors');

/** Hangs each error on the nearest object along its path whose next field is null, so the push shows it at that field. */
function attachFieldErrors(root: Record<string | number, any>, errors: Array<{ path: Array<string | number>; error: GraphQLError }>): void {
  for (const { path, error } of errors) {
    let at = root;
    for (const key of path) {
      const next = at?.[key];
      if (next === null || next === undefined) {
        const map: Map<string | number, GraphQLError> = (at[FIELD_ERRORS as never] as never) ?? new Map();
        if (!map.has(key)) map.set(key, error);
        Object.defineProperty(at, FIELD_ERRORS, { value: map, enumerable: false, configurable: true });
        break;
      }
      at = next;
    }
  }
}
const ORDER_ID_VAR = '_ogOrderId';

/**
 * Turns the client's selection under `OrderStatusChange.order` into
 * `query($_ogOrderId: ID!, …used variables) { order(id: $_ogOrderId) { …selection } }` with the
 * fragments it uses, `__typename` in every selection set (for abstract types), and the order's
 * version under a private alias (for the consistency check).
 */
export function orderQueryFor(info: GraphQLResolveInfo, orderId: string): { query: string; variables: Record<string, unknown> } {
  const selections = info.fieldNodes.flatMap((f: FieldNode) => f.selectionSet?.selections ?? []);
  const selectionSet: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: [
      ...selections,
      { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: VERSION_ALIAS }, name: { kind: Kind.NAME, value: 'version' } },
    ],
  };

  // The fragments reachable from the selection, and the variables they use.
  const fragments = new Map<string, FragmentDefinitionNode>();
  const usedVars = new Set<string>();
  const collect = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (!fragments.has(name) && info.fragments[name]) {
          fragments.set(name, info.fragments[name]);
          collect(info.fragments[name]);
        }
      },
      Variable(v) {
        usedVars.add(v.name.value);
      },
    });
  collect(selectionSet);

  const withTypename = <T extends SelectionSetNode | FragmentDefinitionNode>(node: T): T =>
    visit(node, {
      SelectionSet(set) {
        if (set.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename' && !s.alias)) return undefined;
        return { ...set, selections: [...set.selections, { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }] };
      },
    });

  const varDefs: VariableDefinitionNode[] = [
    {
      kind: Kind.VARIABLE_DEFINITION,
      variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ORDER_ID_VAR } },
      type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
    },
    ...(info.operation.variableDefinitions ?? []).filter((d) => usedVars.has(d.variable.name.value)),
  ];
  const doc: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as never,
        name: { kind: Kind.NAME, value: 'OrderForSubscription' },
        variableDefinitions: varDefs,
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              name: { kind: Kind.NAME, value: 'order' },
              arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ORDER_ID_VAR } } }],
              selectionSet: withTypename(selectionSet),
            },
          ],
        },
      },
      ...[...fragments.values()].map(withTypename),
    ],
  };
  const variables: Record<string, unknown> = { [ORDER_ID_VAR]: orderId };
  for (const name of usedVars) variables[name] = info.variableValues[name];
  return { query: print(doc), variables };
}
