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
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { WebSocketServer } from 'ws';
import { requireCustomer, requireStaffOf, type Actor } from '../platform/auth';
import { DomainError, ErrorCode } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { Metrics } from '../platform/metrics';
import { AuthError, bearerOf, type Verifier } from './auth';
import type { RouterContext } from './gateway';
import { checkGuards, type GuardLimits } from './guards';
import { checkOperationInput } from '../platform/input-rules';
import { maskError } from '../platform/error-masking';
import type { OrderChange, OrderEventHub } from './order-events';

/**
 * GraphQL subscriptions on the router's own `/graphql` (graphql-ws protocol), because
 * @apollo/gateway cannot execute them. The subscription fields are declared in ordering's
 * SDL and composed into the supergraph; the router validates against the supergraph's API
 * schema and serves them itself:
 *
 * - events come from this replica's OrderEventHub (ordering's stream in NATS);
 * - each push re-reads the order through the gateway, as the subscriber, with the
 *   client's own selection under `order` (fields of any subgraph), and waits until that
 *   read shows at least the event's version, so the payload is consistent with the event;
 * - `after: <cursor>` replays what the client missed before the live changes.
 *
 * Authentication: a bearer JWT in connectionParams (`{ authorization: "Bearer …" }`) or the
 * upgrade request's Authorization header; refused connections close with 4401, and a
 * connection closes with 4401 when its token expires.
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
  log: Logger;
  production: boolean;
  /** Active subscriptions, pushes, push latency, slow subscribers dropped. */
  metrics?: ReturnType<Metrics['subscriptions']>;
}

interface WsContext extends RouterContext {
  actor: Actor;
}


/** What the stream yields: a change, or, last, the error that ended it (sent as a coded GraphQL error). */
type StreamItem = OrderChange | { error: GraphQLError };

class ChangeStream implements AsyncIterableIterator<StreamItem> {
  private readonly items: StreamItem[] = [];
  private waiting?: (r: IteratorResult<StreamItem>) => void;
  private done = false;
  private lastSeq = 0;
  private readonly cleanups: Array<() => void> = [];
  /** The item handed out last: the one graphql-ws is sending now (items are sent one at a time). */
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

  /** Adds a change unless it was already delivered (replay and live overlap) or does not match. */
  push(c: OrderChange): void {
    if (this.done || c.seq <= this.lastSeq || !this.accept(c)) return;
    this.lastSeq = c.seq;
    if (this.items.length >= this.maxBuffered) {
      this.onSlow?.();
      this.fail(
        new DomainError(ErrorCode.SLOW_SUBSCRIBER, `Subscriber too slow: more than ${this.maxBuffered} changes waiting. Subscribe again with \`after\` set to the last cursor you received.`),
      );
      return;
    }
    this.deliver(c);
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


function parseCursor(after: unknown): number {
  if (after === undefined || after === null) return -1;
  if (typeof after !== 'string' || !/^\d{1,15}$/.test(after)) throw new DomainError(ErrorCode.BAD_USER_INPUT, '`after` must be a cursor received from this subscription.', { field: 'after' });
  return Number(after);
}

export function startSubscriptions(deps: SubscriptionDeps): { close(): Promise<void>; connections(): number } {
  const { apollo, hub, log, metrics } = deps;
  /** Each subscription's stream, by its per-subscription context value (for onNext). */
  const streams = new WeakMap<object, ChangeStream>();
  /** Changes read back from the stream for a resuming client: not live, so not in the push latency. */
  const replayed = new WeakSet<OrderChange>();
  const schema: GraphQLSchema = Supergraph.build(deps.supergraphSdl).apiSchema().toGraphQLJSSchema();

  /** Runs an operation through the gateway as `actor` (the same path as HTTP, with the subgraphs' authorization). */
  async function viaGateway(query: string, variables: Record<string, unknown>, actor: Actor) {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: { actor } });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  }

  const asGraphQLError = (e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions });

  /** Who may follow one order: asked of ordering through the gateway, with the subscriber's identity. */
  async function authorizeOrder(orderId: string, actor: Actor): Promise<void> {
    const r = await viaGateway('query OrderAccess($id: ID!) { order(id: $id) { id } }', { id: orderId }, actor);
    if (r.errors?.length) throw asGraphQLError(r.errors[0]);
    if (!r.data?.order) throw new DomainError(ErrorCode.ORDER_NOT_FOUND, `No order ${orderId}.`, { orderId });
  }

  /** A live stream of matching changes, preceded by the ones after `after` when given. */
  function changes(accept: (c: OrderChange) => boolean, after: number): ChangeStream {
    const stream = new ChangeStream(accept, deps.maxBuffered, () => metrics?.slowDropped.inc());
    metrics?.active.inc();
    stream.onClose(() => metrics?.active.dec());
    // Listen first, then replay: a change stored after the replay's end arrives live (duplicates are dropped by seq).
    const buffered: OrderChange[] = [];
    let replaying = after >= 0;
    stream.onClose(hub.listen((c) => (replaying ? buffered.push(c) : stream.push(c))));
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
  subscriptionFields.orderStatusChanged.subscribe = async (_src, args: { orderId: string; after?: string }, ctx: WsContext) => {
    const after = parseCursor(args.after);
    await authorizeOrder(args.orderId, ctx.actor);
    return changes((c) => c.orderId === args.orderId, after);
  };
  subscriptionFields.myOrderStatusChanged.subscribe = async (_src, args: { after?: string }, ctx: WsContext) => {
    const after = parseCursor(args.after);
    const customerId = requireCustomer(ctx);
    return changes((c) => c.customerId === customerId, after);
  };
  subscriptionFields.storeOrderStatusChanged.subscribe = async (_src, args: { storeId: string; after?: string }, ctx: WsContext) => {
    const after = parseCursor(args.after);
    requireStaffOf(ctx, args.storeId);
    return changes((c) => c.storeId === args.storeId, after);
  };
  for (const f of Object.values(subscriptionFields))
    f.resolve = (item: StreamItem) => {
      if ('error' in item) throw item.error;
      return item;
    };
  for (const f of Object.values(subscriptionFields)) {
    const subscribe = f.subscribe!;
    f.subscribe = async (src, args, ctx: WsContext, info) => {
      const stream = (await subscribe(src, args, ctx, info)) as ChangeStream;
      streams.set(ctx, stream);
      return stream;
    };
  }

  // OrderStatusChange.order: the client's selection, read through the gateway.
  const changeType = schema.getType('OrderStatusChange') as import('graphql').GraphQLObjectType;
  for (const [name, field] of Object.entries(changeType.getFields())) field.resolve = (change: Record<string, unknown>) => change[name];
  changeType.getFields().order.resolve = async (change: OrderChange, _args, ctx: WsContext, info) => {
    const { query, variables } = orderQueryFor(info, change.orderId);
    // The event is published after ordering committed, so the read normally shows it at once;
    // the retries cover a replica or cache that lags.
    for (let attempt = 0; ; attempt++) {
      const r = await sharedRead(`${change.seq}|${attempt}|${JSON.stringify(ctx.actor)}|${query}|${JSON.stringify(variables)}`, () => viaGateway(query, variables, ctx.actor));
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
   * One read per (event, identity, selection): subscribers with the same identity and query
   * (one user, several tabs or devices) share it. Different identities never share a read,
   * because what a subgraph answers depends on who asks.
   */
  const inFlight = new Map<string, Promise<Awaited<ReturnType<typeof viaGateway>>>>();
  function sharedRead(key: string, read: () => ReturnType<typeof viaGateway>) {
    let p = inFlight.get(key);
    if (!p) {
      p = read();
      inFlight.set(key, p);
      // Kept briefly: subscribers of one event ask within milliseconds of each other.
      const forget = () => void setTimeout(() => inFlight.delete(key), 1000).unref();
      p.then(forget, forget);
    }
    return p;
  }

  /** Data read through the gateway is keyed by response name (aliases): read it that way. */
  const fieldResolver: GraphQLFieldResolver<any, any> = (source, _args, _ctx, info) => {
    if (source === null || typeof source !== 'object') return undefined;
    const fieldError = (source as { [FIELD_ERRORS]?: Map<string | number, GraphQLError> })[FIELD_ERRORS]?.get(info.path.key);
    if (fieldError) throw fieldError;
    return info.path.key in source ? source[info.path.key] : source[info.fieldName];
  };

  const wss = new WebSocketServer({ server: deps.httpServer, path: deps.path });
  metrics?.readConnections(() => wss.clients.size);
  const expiryTimers = new Map<object, NodeJS.Timeout>();

  const disposable = useServer<Record<string, unknown>, { actor?: Actor }>(
    {
      schema,
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
          const token = bearerOf(header);
          if (!token) throw new AuthError('Sign in first: send connectionParams { authorization: "Bearer <JWT>" }.');
          const verified = await deps.verifier.verify(token);
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
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { actor: ctx.extra.actor } satisfies RouterContext,
          fieldResolver,
        };
        return args;
      },
      // Queries and mutations sent over the socket go through the gateway like HTTP ones.
      execute: async (args: ExecutionArgs) => {
        const actor = (args.contextValue as WsContext).actor;
        const r = await viaGateway(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, actor);
        return r as never;
      },
      // Errors on the socket are masked like HTTP ones (platform/error-masking.ts): coded ones kept, the rest an errorId.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => maskError(e.toJSON(), e, log)),
      onNext: (_ctx, _id, _payload, args, result) => {
        const item = streams.get(args.contextValue as object)?.lastYielded;
        if (metrics && item && !('error' in item)) {
          metrics.pushes.inc();
          if (!replayed.has(item)) metrics.pushLatency.observe(Math.max(0, Date.now() - Date.parse(item.occurredAt)) / 1000);
        }
        return result.errors?.length ? { ...result, errors: result.errors.map((e) => maskError(e.toJSON(), e, log)) } : undefined;
      },
      onOperation: (ctx, _id, payload, args) => {
        if (!log.isLevelEnabled('debug')) return;
        const op = getOperationAST(args.document, payload.operationName);
        log.debug({ sub: ctx.extra.actor?.sub, operation: op?.operation, name: op?.name?.value }, 'subscription started');
      },
    },
    wss,
  );

  return {
    connections: () => wss.clients.size,
    async close() {
      for (const t of expiryTimers.values()) clearTimeout(t);
      for (const client of wss.clients) client.close(1001, 'Router shutting down');
      await disposable.dispose();
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
