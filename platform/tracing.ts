import { randomUUID } from 'node:crypto';
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { NodeTracerProvider, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { RequestHandler } from 'express';
import { addLogFields, logFieldsNow, runWithLogFields, runWithoutLogFields, type LogFields } from './logger';

/**
 * OpenTelemetry traces for ordergraph: one placeOrder is one trace, from the router's
 * operation through each subgraph request, the database transactions, the outbox row, the
 * NATS message and every consumer's handling of it (README "Following one order").
 *
 * Off unless configured (then the API's no-op tracer is all that runs and nothing here
 * wraps anything): tracing starts when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) names an OTLP/HTTP collector, or when
 * `OTEL_TRACES_EXPORTER=none` asks for trace ids in the logs without exporting anything.
 * `OTEL_SDK_DISABLED=true` wins over both. The SDK reads the other conventional variables
 * itself: `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`,
 * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`. Source of the names: the OpenTelemetry SDK
 * environment-variable specification.
 *
 * Spans are explicit, at the few places where work crosses a boundary (HTTP in, HTTP out,
 * transaction, outbox row, relay publish, consumer handling), instead of the
 * auto-instrumentation packages: those patch modules through require hooks at load time,
 * which Jest's own module registry bypasses (the in-process test stack would show nothing)
 * and which must run before anything else is imported. @apollo/gateway adds its own spans
 * (gateway.request, gateway.plan, gateway.execute, gateway.fetch) to the router's trace
 * through the same global API.
 *
 * One process holds one tracer provider; in the in-process test stack every context shares
 * it, so each context's spans carry its name as the instrumentation scope (`ordergraph/<context>`).
 */

const SCOPE = 'ordergraph';
/** W3C trace-context header names (https://www.w3.org/TR/trace-context/). */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
/** A request id the router gives every request (or keeps the client's) and passes to subgraphs. */
export const REQUEST_ID_HEADER = 'x-request-id';

let provider: NodeTracerProvider | undefined;

/** True when this process records spans (initTracing or installTracing ran and enabled it). */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** What `initTracing` would do with this environment: `otlp`, `none` (ids in logs, no export) or off (undefined). */
export function tracingModeOf(env: NodeJS.ProcessEnv): 'otlp' | 'none' | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return 'none';
  if (exporter && exporter !== 'otlp') return undefined;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : undefined;
}

/**
 * Starts tracing for a process named `service` (`ordergraph-<service>` unless
 * OTEL_SERVICE_NAME says otherwise) when the environment asks for it; returns whether
 * tracing is on. The first call in a process wins (the test stack starts every context in
 * one process, and a test may install its own exporter first).
 */
export function initTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (provider) return true;
  const mode = tracingModeOf(env);
  if (!mode) return false;
  const spanProcessors: SpanProcessor[] = [];
  if (mode === 'otlp') {
    // Loaded only when tracing is on: a process without it never pays for the SDK's modules.
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
    const url =
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  installTracing({ service, spanProcessors, serviceName: env.OTEL_SERVICE_NAME });
  return true;
}

/**
 * Registers a tracer provider with these span processors (tests pass a SimpleSpanProcessor
 * over an InMemorySpanExporter), the W3C trace-context propagator and the AsyncLocalStorage
 * context manager. Replaces nothing: call it before anything else starts tracing.
 */
export function installTracing(opts: { service: string; spanProcessors: SpanProcessor[]; serviceName?: string }): void {
  if (provider) throw new Error('tracing is already installed in this process');
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName || `ordergraph-${opts.service}`, 'service.namespace': 'ordergraph' }))
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, as every OpenTelemetry SDK reads them.
    .merge(detectResources({ detectors: [envDetector] }));
  provider = new NodeTracerProvider({ resource, spanProcessors: opts.spanProcessors });
  provider.register();
}

/** Exports what is buffered (on shutdown, so the last spans are not lost). Never throws. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush().catch(() => undefined);
}

/** Stops tracing in this process (tests, or a process's last step): flushes, then unregisters. */
export async function shutdownTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
  await p.shutdown().catch(() => undefined);
  trace.disable();
  context.disable();
  propagation.disable();
}

/** The tracer of one context (or `router`): its name is the spans' instrumentation scope. */
export const tracerFor = (service: string): Tracer => trace.getTracer(`${SCOPE}/${service}`);

/**
 * Names the business case for the rest of this request or event: every later log line of
 * it carries the fields (platform/logger.ts), and the active span gets them as
 * `ordergraph.order_id` etc., so a trace is found by order id in a trace UI too.
 */
export function tagCase(fields: { orderId?: string; correlationId?: string }): void {
  addLogFields(fields);
  const span = trace.getActiveSpan();
  if (!span) return;
  if (fields.orderId) span.setAttribute('ordergraph.order_id', fields.orderId);
  if (fields.correlationId) span.setAttribute('messaging.message.conversation_id', fields.correlationId);
}

/** Runs `fn` outside any request or event (background loops woken by one must not inherit its trace or log fields). */
export function detached<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, () => runWithoutLogFields(fn));
}

function endWithError(span: Span, e: unknown): void {
  span.recordException(e instanceof Error ? e : String(e));
  span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
}

/** Runs `fn` in a new active span; the span records a thrown error and always ends. */
async function inSpan<T>(tracer: Tracer, name: string, opts: { kind: SpanKind; attributes?: Record<string, string | number | boolean>; links?: Link[] }, parent: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, opts, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (e) {
    endWithError(span, e);
    throw e;
  } finally {
    span.end();
  }
}

// ---- HTTP ----

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const headerOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Express middleware for one incoming request: a request id (the caller's `x-request-id`
 * when it is a plain token of up to 128 characters, a new UUID otherwise; echoed in the
 * response) in every log line of the request, and, with tracing on, a SERVER span that is
 * active while the request runs. `trustTraceparent`: a subgraph behind the router token
 * continues the caller's trace; the public router starts its own and only links a client's
 * `traceparent` (a client must not choose sampling or join someone else's trace).
 *
 * Mount it after the body parser: body parsing resumes in the socket's async context and
 * would drop the request's.
 */
export function requestTracing(service: string, opts: { trustTraceparent: boolean }): RequestHandler {
  const tracer = tracerFor(service);
  return (req, res, next) => {
    const given = headerOf(req.headers[REQUEST_ID_HEADER]);
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (!provider) return runWithLogFields({ requestId }, next);
    const incoming = propagation.extract(ROOT_CONTEXT, req.headers);
    const incomingSpan = trace.getSpanContext(incoming);
    const parent = opts.trustTraceparent ? incoming : ROOT_CONTEXT;
    const links = !opts.trustTraceparent && incomingSpan && isSpanContextValid(incomingSpan) ? [{ context: incomingSpan }] : [];
    const route = `${req.baseUrl}${req.route?.path ?? ''}` || req.path;
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        links,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_HTTP_ROUTE]: route, 'url.path': req.originalUrl.split('?')[0], 'ordergraph.request_id': requestId },
      },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), () => runWithLogFields({ requestId }, next));
  };
}

/**
 * Apollo Server plugin: names the request's span after the GraphQL operation
 * (`mutation placeOrder`, as OpenTelemetry's GraphQL conventions do) and records the
 * error codes of the answer. Does nothing when no span is active.
 */
export function graphqlTracingPlugin<C extends BaseContext = BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const type = operation.operation;
          span.updateName(operationName ? `${type} ${operationName}` : type);
          span.setAttribute('graphql.operation.type', type);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async didEncounterErrors({ errors }) {
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          span.setAttribute('graphql.error.codes', codes);
          span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
        },
      };
    },
  };
}

/**
 * `fetch` for a call from `service` to another ordergraph service (`peer`): a CLIENT span
 * around it, its W3C `traceparent` and the current request id in the request's headers.
 * Same arguments and answer as fetch.
 */
export async function tracedFetch(input: string | URL, init: RequestInit, opts: { service: string; peer: string }): Promise<Response> {
  // Header names lower-cased (as Headers gives them), the form tracedCall expects.
  const headers = Object.fromEntries(new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).entries());
  const method = (init.method ?? 'GET').toUpperCase();
  const { res } = await tracedCall(new URL(String(input)), method, headers, opts, async () => {
    const res = await fetch(input, { ...init, headers });
    return { statusCode: res.status, res };
  });
  return res;
}

/**
 * A CLIENT span around an HTTP call from `service` to another ordergraph service (`peer`), made
 * with any client (fetch through {@link tracedFetch}; the router's and ordering's undici pools):
 * `headers` (a plain object,
 * lower-case names) gets the current request id and, with tracing on, the W3C `traceparent`
 * (and `tracestate`) before `send` runs; `send` makes the call and answers with its HTTP status.
 * A thrown error ends the span as an error and is rethrown.
 */
export async function tracedCall<T extends { statusCode: number }>(
  url: URL,
  method: string,
  headers: Record<string, string>,
  opts: { service: string; peer: string },
  send: () => Promise<T>,
): Promise<T> {
  const requestId = logFieldsNow()?.requestId;
  if (requestId && headers[REQUEST_ID_HEADER] === undefined) headers[REQUEST_ID_HEADER] = requestId;
  if (!provider) return send();
  return inSpan(
    tracerFor(opts.service),
    `${method} ${opts.peer}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_FULL]: `${url.origin}${url.pathname}`,
        [ATTR_SERVER_ADDRESS]: url.hostname,
        [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        'peer.service': opts.peer,
      },
    },
    context.active(),
    async (span) => {
      propagation.inject(context.active(), headers);
      const res = await send();
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return res;
    },
  );
}

// ---- database ----

/**
 * Wraps a context's client so every `$transaction` runs in a CLIENT span `db.transaction`
 * (attributes: `db.system.name`, `ordergraph.context`): the platform's one place that sees
 * every transaction, whichever module starts it. Returns the same object; with tracing off
 * it is left untouched. @prisma/instrumentation (per-query spans) is not used: see README.
 */
export function traceTransactions<D extends { $transaction: (...args: any[]) => Promise<any> }>(db: D, service: string, system: string): D {
  if (!provider) return db;
  const tracer = tracerFor(service);
  const original = db.$transaction.bind(db);
  const traced = (...args: unknown[]) =>
    inSpan(tracer, 'db.transaction', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': system, 'ordergraph.context': service } }, context.active(), () => original(...args));
  Object.defineProperty(db, '$transaction', { value: traced, configurable: true, writable: true });
  return db;
}

/**
 * Runs `fn`, one SQL statement that is a transaction of its own (a state change and its outbox
 * row in one statement: placeOrder's hot path, issue 13), in the same CLIENT span
 * `db.transaction` that `traceTransactions` gives every `$transaction`, with
 * `db.operation.name` and `db.collection.name` (OpenTelemetry database conventions) naming the
 * statement. Build the outbox row inside `fn`, so its `create <subject>` PRODUCER span is the
 * transaction's child as with `addToOutbox`. With tracing off, `fn()` only.
 */
export function traceStatement<T>(service: string, system: string, statement: { operation: string; table: string }, fn: () => Promise<T>): Promise<T> {
  if (!provider) return fn();
  const attributes = { 'db.system.name': system, 'ordergraph.context': service, 'db.operation.name': statement.operation, 'db.collection.name': statement.table };
  return inSpan(tracerFor(service), 'db.transaction', { kind: SpanKind.CLIENT, attributes }, context.active(), () => fn());
}

// ---- events: outbox row → NATS message → consumers ----

/** The W3C trace context as stored with an event (inside the stored envelope) and sent as NATS headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const TRACEPARENT_FORMAT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The carrier of a stored or received envelope (an object, or its JSON text); empty when it has none or a malformed one. */
export function carrierOf(payload: unknown): TraceCarrier {
  let p = payload;
  if (typeof p === 'string') {
    // Only parse when there is something to find: most rows carry no trace with tracing off.
    if (!p.includes(`"${TRACEPARENT}"`)) return {};
    try {
      p = JSON.parse(p);
    } catch {
      return {};
    }
  }
  const o = p as TraceCarrier | null;
  if (!o || typeof o.traceparent !== 'string' || !TRACEPARENT_FORMAT.test(o.traceparent)) return {};
  return { traceparent: o.traceparent, ...(typeof o.tracestate === 'string' && o.tracestate.length <= 512 ? { tracestate: o.tracestate } : {}) };
}

const messagingAttributes = (operation: string, subject: string, eventId: string) => ({
  'messaging.system': 'nats',
  'messaging.operation.type': operation,
  'messaging.destination.name': subject,
  'messaging.message.id': eventId,
});

/**
 * Called by addToOutbox inside the writing transaction: a PRODUCER span `create <subject>`
 * (child of the active span) whose context is returned to be stored with the event. Empty
 * with tracing off or outside any trace, so an untraced event is stored as before.
 */
export function outboxTraceContext(subject: string, eventId: string, correlationId: string): TraceCarrier {
  if (!provider) return {};
  const parent = context.active();
  const span = tracerFor(subject.split('.')[0]).startSpan(
    `create ${subject}`,
    { kind: SpanKind.PRODUCER, attributes: { ...messagingAttributes('create', subject, eventId), 'messaging.message.conversation_id': correlationId } },
    parent,
  );
  const carrier: TraceCarrier = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  span.end();
  return carrierOf(carrier);
}

/**
 * The relay's publish of one outbox row: with a stored trace context and tracing on, a
 * PRODUCER span `publish <subject>` (child of the row's `create` span, however long ago and
 * in whichever process that was) whose context goes out as the message's headers; with
 * tracing off the stored context is passed on unchanged; an untraced row gets no headers.
 */
export async function withPublishSpan<T>(subject: string, eventId: string, stored: TraceCarrier, publish: (headers: MsgHdrs | undefined) => Promise<T>): Promise<T> {
  if (!stored.traceparent) return publish(undefined);
  if (!provider) return publish(carrierHeaders(stored));
  const parent = propagation.extract(ROOT_CONTEXT, stored);
  return inSpan(tracerFor(subject.split('.')[0]), `publish ${subject}`, { kind: SpanKind.PRODUCER, attributes: messagingAttributes('send', subject, eventId) }, parent, () => {
    const carrier: TraceCarrier = {};
    propagation.inject(context.active(), carrier);
    return publish(carrierHeaders(carrier));
  });
}

function carrierHeaders(carrier: TraceCarrier): MsgHdrs {
  const h = natsHeaders();
  if (carrier.traceparent) h.set(TRACEPARENT, carrier.traceparent);
  if (carrier.tracestate) h.set(TRACESTATE, carrier.tracestate);
  return h;
}

/** The trace context a NATS message carries in its headers, else the one stored in its envelope (a replayed dead letter). */
export function carrierOfMessage(headers: MsgHdrs | undefined, envelope: unknown): TraceCarrier {
  const fromHeaders = carrierOf({ traceparent: headers?.get(TRACEPARENT) || undefined, tracestate: headers?.get(TRACESTATE) || undefined });
  return fromHeaders.traceparent ? fromHeaders : carrierOf(envelope);
}

/**
 * A consumer's handling of one event: log fields (consumer, eventId, correlationId, orderId
 * when the event's data has one) on every line logged while it runs, and, with tracing on,
 * a CONSUMER span `process <subject>` as a child of the message's trace context (a root
 * span when it has none). `fn` returns the outcome, which the span records; outcomes other
 * than processed/duplicate mark the span as an error.
 */
export async function withConsumeSpan<T extends string>(
  opts: { service: string; consumer: string; subject: string; eventId: string; correlationId: string; orderId?: string; attempt: number; carrier: TraceCarrier },
  fn: () => Promise<T>,
): Promise<T> {
  const fields: LogFields = { consumer: opts.consumer, eventId: opts.eventId, correlationId: opts.correlationId, ...(opts.orderId ? { orderId: opts.orderId } : {}) };
  if (!provider) return runWithLogFields(fields, fn);
  const parent = opts.carrier.traceparent ? propagation.extract(ROOT_CONTEXT, opts.carrier) : ROOT_CONTEXT;
  return inSpan(
    tracerFor(opts.service),
    `process ${opts.subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messagingAttributes('process', opts.subject, opts.eventId),
        'messaging.consumer.group.name': opts.consumer,
        'messaging.message.conversation_id': opts.correlationId,
        'ordergraph.delivery_attempt': opts.attempt,
        ...(opts.orderId ? { 'ordergraph.order_id': opts.orderId } : {}),
      },
    },
    parent,
    (span) =>
      runWithLogFields(fields, async () => {
        const outcome = await fn();
        span.setAttribute('ordergraph.outcome', outcome);
        if (outcome !== 'processed' && outcome !== 'duplicate') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        return outcome;
      }),
  );
}
