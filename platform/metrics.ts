/**
 * Prometheus metrics (prom-client): the one module that registers them. The code doing the
 * work holds a `Metrics` and increments what it does; `GET /metrics` on every process (same
 * port as GraphQL) answers in the Prometheus text format.
 *
 * - One `Metrics` (one prom-client Registry) per running context or router, with a `context`
 *   label on every series, so several contexts in one process (the tests) never collide.
 *   Process metrics (CPU, memory, event-loop lag, GC: prom-client's defaults) are collected
 *   once per process and prepended to every exposition.
 * - Names: `ordergraph_<what>_<unit>`, base units (seconds), counters end in `_total`
 *   (Prometheus naming conventions, https://prometheus.io/docs/practices/naming/).
 * - Labels never carry ids: they take values from small fixed sets (outcomes, channels,
 *   durable consumer names, subgraph names); the two open-ended ones, GraphQL operation names
 *   and error codes, go through a BoundedLabel (first N distinct values, then "other").
 * - Gauges that describe stored state (outbox backlog, dead letters, JetStream consumer
 *   lag) are read when Prometheus scrapes, from the database or NATS, with a short cache;
 *   a failed read never leaves a stale value: labelled gauges lose their series, unlabelled
 *   ones read NaN, and `ordergraph_metrics_collect_errors_total{source}` counts it.
 *
 * README "Operating ordergraph" lists every metric and what to watch.
 */
import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger';

/** Distinct GraphQL operation names kept as label values per process; more become "other". */
export const MAX_OPERATION_NAMES = 100;
/** Distinct error codes kept as label values per process; more become "OTHER". */
export const MAX_ERROR_CODES = 60;
/** How long a scrape-time read (database, NATS) is reused, and how long it may take. */
const SCRAPE_CACHE_MS = 1000;
const SCRAPE_TIMEOUT_MS = 3000;

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PUSH_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Keeps a label's cardinality bounded: a value must match `pattern` (else `invalid`), and
 * only the first `max` distinct values are kept (later ones become `overflow`).
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly pattern: RegExp,
    private readonly invalid: string,
    private readonly overflow: string,
  ) {}

  of(value: string | null | undefined): string {
    if (!value || !this.pattern.test(value)) return this.invalid;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return this.overflow;
    this.seen.add(value);
    return value;
  }
}

let processRegistry: Registry | undefined;
/** prom-client's default process metrics, registered once per process whatever runs in it. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Memoizes an async read for `ttlMs`, so the gauges sharing it (and concurrent scrapes) read once. */
function cached<T>(read: () => Promise<T>, ttlMs = SCRAPE_CACHE_MS): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > ttlMs) {
      const value = withTimeout(read(), SCRAPE_TIMEOUT_MS);
      last = { at: performance.now(), value };
      // A failed read is not reused.
      value.catch(() => (last = undefined));
    }
    return last.value;
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]);
}

/** A JetStream durable consumer's position, as NATS reports it. */
export interface ConsumerState {
  stream: string;
  consumer: string;
  /** Messages in the stream the consumer has not been delivered yet. */
  pending: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
  redelivered: number;
}

export type ConsumerOutcome = 'processed' | 'duplicate' | 'skipped' | 'retry' | 'dead-lettered';
const CONSUMER_OUTCOME: Record<ConsumerOutcome, string> = { processed: 'processed', duplicate: 'duplicate', skipped: 'skipped', retry: 'retried', 'dead-lettered': 'dead_lettered' };

export type BreakerState = 'closed' | 'half_open' | 'open';
export type RefusalReason = 'CIRCUIT_OPEN' | 'BUSY';
/** How a subscriber is connected to the router: graphql-ws over WebSocket, or Server-Sent Events (graphql-sse). */
export type SubscriptionTransport = 'graphql-ws' | 'sse';

/** The events an opossum CircuitBreaker emits that the breaker metrics follow. */
export interface BreakerEvents {
  on(event: 'open' | 'halfOpen' | 'close' | 'success' | 'failure' | 'timeout' | 'reject' | 'semaphoreLocked', fn: () => void): unknown;
  readonly opened: boolean;
  readonly halfOpen: boolean;
}

/**
 * The metrics of one running context (or the router). Create one per `startContext` /
 * `startRouter`; hand it to the parts that do the work.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new BoundedLabel(MAX_OPERATION_NAMES, /^[_A-Za-z][_0-9A-Za-z]{0,63}$/, 'invalid', 'other');
  private readonly errorCodes = new BoundedLabel(MAX_ERROR_CODES, /^[A-Z][A-Z0-9_]{0,63}$/, 'UNKNOWN', 'OTHER');
  private readonly collectErrors: Counter<'source'>;
  private readonly groups = new Map<string, unknown>();

  /** GraphQL operations answered by this process (router or subgraph). */
  readonly graphql: {
    operations: Counter<'operation' | 'type' | 'outcome'>;
    duration: Histogram<'operation' | 'type' | 'outcome'>;
  };

  /** `context`: the context's name, or "router"; a label on every series of this registry. */
  constructor(
    readonly context: string,
    private readonly log?: Logger,
  ) {
    this.registry.setDefaultLabels({ context });
    // prom-client counts process CPU from the moment its collectors are registered: register them
    // now, at start, not at the first scrape (which would then report ~0 s of CPU).
    processMetrics();
    this.collectErrors = this.counter('ordergraph_metrics_collect_errors_total', 'Scrape-time reads (database, NATS) that failed; their gauges show no series or NaN.', ['source']);
    this.graphql = {
      operations: this.counter('ordergraph_graphql_operations_total', 'GraphQL operations answered, by operation name, type and outcome ("ok" or the first error\'s extensions.code).', [
        'operation',
        'type',
        'outcome',
      ]),
      duration: this.histogram('ordergraph_graphql_operation_duration_seconds', 'Time from receiving a GraphQL operation to sending its answer.', ['operation', 'type', 'outcome'], SECONDS),
    };
  }

  /** The Prometheus text exposition: process metrics, then this registry's. */
  async exposition(): Promise<string> {
    const [proc, own] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${proc.trimEnd()}\n${own}`;
  }

  /** Express handler for `GET /metrics`. */
  handler(): RequestHandler {
    return async (_req, res) => {
      try {
        const text = await this.exposition();
        res.set('content-type', this.registry.contentType).send(text);
      } catch (e) {
        this.log?.error({ err: e }, 'metrics exposition failed');
        res.status(500).type('text/plain').send('metrics unavailable\n');
      }
    };
  }

  /**
   * Apollo Server plugin (router and subgraphs): counts and times every operation by
   * bounded operation name, type and outcome. Outcome is "ok" or the first error's
   * `extensions.code` as the client sees it (after formatError).
   */
  graphqlPlugin(): ApolloServerPlugin<any> {
    const { operations, duration } = this.graphql;
    return {
      requestDidStart: async () => {
        const started = performance.now();
        return {
          willSendResponse: async (rc) => {
            const body = rc.response.body;
            const errors = body.kind === 'single' ? body.singleResult.errors : rc.errors;
            const labels = {
              operation: rc.operation ? (rc.operationName ? this.operationNames.of(rc.operationName) : 'anonymous') : 'unknown',
              type: rc.operation?.operation ?? 'unknown',
              outcome: errors?.length ? this.errorCode(errors[0].extensions?.code) : 'ok',
            };
            operations.inc(labels);
            duration.observe(labels, (performance.now() - started) / 1000);
          },
        };
      },
    };
  }

  /** An error code as a bounded label value. */
  errorCode(code: unknown): string {
    return this.errorCodes.of(typeof code === 'string' ? code : undefined);
  }

  /** The outbox relay's metrics (platform/outbox.ts). */
  outbox() {
    return this.group('outbox', () => {
      let read: (() => Promise<{ unsent: number; oldestAgeSeconds: number }>) | undefined;
      const backlog = () => (read ? read() : Promise.resolve(undefined));
      const self = this;
      return {
        published: this.counter('ordergraph_outbox_published_total', 'Outbox events published to JetStream and acknowledged.', []),
        publishFailures: this.counter('ordergraph_outbox_publish_failures_total', 'Publish attempts that failed (retried with back-off).', []),
        unsent: this.gauge('ordergraph_outbox_unsent_events', 'Outbox rows not yet published (read from the database at scrape).', [], async function () {
          const b = await self.scrape('outbox', backlog);
          this.set(b ? b.unsent : NaN);
        }),
        oldestAge: this.gauge('ordergraph_outbox_oldest_unsent_age_seconds', 'Age of the oldest unpublished outbox row; 0 when none.', [], async function () {
          const b = await self.scrape('outbox', backlog);
          this.set(b ? b.oldestAgeSeconds : NaN);
        }),
        /** Where the backlog gauges read from (the relay sets it). */
        readBacklog(fn: () => Promise<{ unsent: number; oldestAgeSeconds: number }>) {
          read = cached(fn);
        },
      };
    });
  }

  /** Durable consumers' metrics (platform/consumer.ts), JetStream lag and dead letters. */
  consumers() {
    return this.group('consumers', () => {
      let readStates: (() => Promise<ConsumerState[]>) | undefined;
      let readDeadLetters: (() => Promise<Record<string, number>>) | undefined;
      const states = () => (readStates ? readStates() : Promise.resolve(undefined));
      const self = this;
      const stateGauge = (name: string, help: string, pick: (s: ConsumerState) => number) =>
        this.gauge(name, help, ['stream', 'consumer'], async function () {
          const all = await self.scrape('jetstream', states);
          this.reset();
          for (const s of all ?? []) this.set({ stream: s.stream, consumer: s.consumer }, pick(s));
        });
      const messages = this.counter('ordergraph_consumer_messages_total', 'Messages a durable consumer handled, by outcome: processed, duplicate (already processed), skipped (not for this policy), retried (nak with back-off), dead_lettered.', [
        'consumer',
        'outcome',
      ]);
      const duration = this.histogram('ordergraph_consumer_handler_duration_seconds', 'Time to handle one message (validation, transaction, ack), by outcome.', ['consumer', 'outcome'], SECONDS);
      return {
        messages,
        duration,
        pending: stateGauge('ordergraph_consumer_pending_messages', 'Messages in the stream not yet delivered to the durable consumer (JetStream num_pending).', (s) => s.pending),
        ackPending: stateGauge('ordergraph_consumer_ack_pending_messages', 'Messages delivered to the durable consumer and not yet acknowledged (JetStream num_ack_pending).', (s) => s.ackPending),
        redelivered: stateGauge('ordergraph_consumer_redelivered_messages', 'Messages delivered more than once and not yet acknowledged (JetStream num_redelivered).', (s) => s.redelivered),
        deadLetters: this.gauge('ordergraph_consumer_dead_letters', 'Dead-letter records not yet replayed, per consumer (read from the database at scrape).', ['consumer'], async function () {
          const counts = await self.scrape('dead_letters', () => (readDeadLetters ? readDeadLetters() : Promise.resolve(undefined)));
          this.reset();
          for (const [consumer, n] of Object.entries(counts ?? {})) this.set({ consumer }, n);
        }),
        /** Records one handled message. */
        handled(consumer: string, outcome: ConsumerOutcome, seconds: number) {
          const labels = { consumer, outcome: CONSUMER_OUTCOME[outcome] };
          messages.inc(labels);
          duration.observe(labels, seconds);
        },
        readStates(fn: () => Promise<ConsumerState[]>) {
          readStates = cached(fn);
        },
        readDeadLetters(fn: () => Promise<Record<string, number>>) {
          readDeadLetters = cached(fn);
        },
      };
    });
  }

  /** Circuit breakers (ordering → payment). */
  breakers() {
    return this.group('breakers', () => {
      const state = this.gauge('ordergraph_breaker_state', 'Circuit breaker state: 1 for the current one of closed, half_open, open.', ['breaker', 'state']);
      const opens = this.counter('ordergraph_breaker_opens_total', 'Times the breaker opened.', ['breaker']);
      const calls = this.counter('ordergraph_breaker_calls_total', 'Calls through the breaker, by outcome: success, failure, timeout.', ['breaker', 'outcome']);
      const refusals = this.counter('ordergraph_breaker_refusals_total', 'Calls refused without trying, by reason: CIRCUIT_OPEN, BUSY (bulkhead full).', ['breaker', 'reason']);
      const setState = (breaker: string, now: BreakerState) => {
        for (const s of ['closed', 'half_open', 'open'] as const) state.set({ breaker, state: s }, s === now ? 1 : 0);
      };
      return {
        state,
        opens,
        calls,
        refusals,
        /** Follows an opossum breaker's events. */
        observe(breaker: string, b: BreakerEvents) {
          setState(breaker, b.halfOpen ? 'half_open' : b.opened ? 'open' : 'closed');
          b.on('open', () => {
            opens.inc({ breaker });
            setState(breaker, 'open');
          });
          b.on('halfOpen', () => setState(breaker, 'half_open'));
          b.on('close', () => setState(breaker, 'closed'));
          for (const outcome of ['success', 'failure', 'timeout'] as const) b.on(outcome, () => calls.inc({ breaker, outcome }));
          b.on('reject', () => refusals.inc({ breaker, reason: 'CIRCUIT_OPEN' }));
          b.on('semaphoreLocked', () => refusals.inc({ breaker, reason: 'BUSY' }));
        },
        refused(breaker: string, reason: RefusalReason) {
          refusals.inc({ breaker, reason });
        },
      };
    });
  }

  /**
   * The router's subscriptions (router/subscriptions.ts), by `transport`: `graphql-ws` (WebSocket)
   * or `sse` (graphql-sse, router/sse.ts) — two values, so the label stays bounded.
   */
  subscriptions() {
    return this.group('subscriptions', () => {
      const readers = new Map<SubscriptionTransport, () => number>();
      return {
        active: this.gauge('ordergraph_subscriptions_active', 'Subscriptions open on this router replica, by transport (graphql-ws, sse).', ['transport']),
        connections: this.gauge('ordergraph_subscription_connections', 'Subscription connections open on this router replica: graphql-ws sockets and SSE streams, by transport.', ['transport'], function () {
          this.reset();
          for (const [transport, read] of readers) this.set({ transport }, read());
        }),
        pushes: this.counter('ordergraph_subscription_pushes_total', 'Order changes pushed to subscribers, by transport.', ['transport']),
        pushLatency: this.histogram(
          'ordergraph_subscription_push_latency_seconds',
          "From the event's occurredAt (ordering's commit) to the push to a subscriber; live changes only, not replays.",
          ['transport'],
          PUSH_SECONDS,
        ),
        slowDropped: this.counter('ordergraph_subscription_slow_subscribers_dropped_total', 'Subscriptions ended with SLOW_SUBSCRIBER (too many changes waiting).', []),
        orderReads: this.counter(
          'ordergraph_subscription_order_reads_total',
          "Orders for pushes, by source: gateway (the first push to use a read through the gateway of one change, access scope and selection), shared (the pushes that used that read after it) or event (every field asked is in the event: no read).",
          ['source'],
        ),
        /** `read` answers the open connections of one transport at scrape time. */
        readConnections(transport: SubscriptionTransport, read: () => number) {
          readers.set(transport, read);
        },
      };
    });
  }

  /** The router's fetches to subgraphs. */
  subgraphFetches() {
    return this.group('subgraphFetches', () => {
      const duration = this.histogram('ordergraph_router_subgraph_fetch_duration_seconds', 'Router → subgraph HTTP fetches, by subgraph and outcome (ok, error).', ['subgraph', 'outcome'], SECONDS);
      const errors = this.counter('ordergraph_router_subgraph_fetch_errors_total', 'Failed subgraph fetches by reason: timeout, network, http_4xx, http_5xx, graphql (answered with errors).', [
        'subgraph',
        'reason',
      ]);
      const deduplicated = this.counter(
        'ordergraph_router_subgraph_fetch_deduplicated_total',
        'Subgraph fetches that sent no request of their own: they shared an identical in-flight query of the same identity (ROUTER_DEDUPE).',
        ['subgraph'],
      );
      return {
        /** Observed by the code that sends the request (router/subgraph-source.ts), once per upstream request. */
        duration,
        errors,
        deduplicated,
        /** Counts a subgraph answer that carried GraphQL errors. */
        answered(subgraph: string, errorCount: number) {
          if (errorCount > 0) errors.inc({ subgraph, reason: 'graphql' });
        },
      };
    });
  }

  /** Notification's sends (subgraphs/notification/sender.ts). */
  notification() {
    return this.group('notification', () => ({
      sends: this.counter('ordergraph_notification_sends_total', 'Message sends by channel and outcome: sent, failed (will retry), gave_up (last attempt failed).', ['channel', 'outcome']),
      duration: this.histogram('ordergraph_notification_send_duration_seconds', "Time a channel took to accept (or refuse) a message.", ['channel'], SECONDS),
    }));
  }

  /** Runs a scrape-time read; a failure is counted and logged, and yields undefined (no value for the gauge). */
  private async scrape<T>(source: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await read();
    } catch (e) {
      this.collectErrors.inc({ source });
      this.log?.warn({ err: (e as Error).message, source }, 'metrics: could not read');
      return undefined;
    }
  }

  private group<T>(name: string, make: () => T): T {
    if (!this.groups.has(name)) this.groups.set(name, make());
    return this.groups.get(name) as T;
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[], collect?: (this: Gauge<L>) => void | Promise<void>): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}

/**
 * Reads the JetStream state of durable consumers: this context's own (`own`), and every
 * durable consumer on the stream it produces (`producedStream`), so a producer reports
 * the lag of consumers whose processes are down. Ephemeral consumers (the router's) are
 * left out: their names are random ids.
 */
export async function readConsumerStates(jsm: JetStreamManager, own: Array<{ stream: string; consumer: string }>, producedStream?: string): Promise<ConsumerState[]> {
  const out = new Map<string, ConsumerState>();
  const add = (stream: string, ci: { name: string; num_pending: number; num_ack_pending: number; num_redelivered: number }) =>
    out.set(`${stream}/${ci.name}`, { stream, consumer: ci.name, pending: ci.num_pending, ackPending: ci.num_ack_pending, redelivered: ci.num_redelivered });
  await Promise.all(
    own.map(async ({ stream, consumer }) => {
      // A consumer not created yet (or lost with the broker's data) has no state to report.
      const ci = await jsm.consumers.info(stream, consumer).catch(() => undefined);
      if (ci) add(stream, ci);
    }),
  );
  if (producedStream) {
    for await (const ci of jsm.consumers.list(producedStream)) {
      if (ci.config.durable_name) add(producedStream, ci);
    }
  }
  return [...out.values()];
}

/** Every metric name a process may expose (its own groups and the process metrics): for checks of alert rules and dashboards. */
export function knownMetricNames(): Set<string> {
  const m = new Metrics('catalog-check');
  m.outbox();
  m.consumers();
  m.breakers();
  m.subscriptions();
  m.subgraphFetches();
  m.notification();
  const names = new Set<string>();
  for (const r of [m.registry, processMetrics()]) {
    for (const metric of r.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    }
  }
  return names;
}
