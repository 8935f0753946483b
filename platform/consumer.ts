import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { PlatformDb, RawSql } from './database';
import { PermanentError } from './errors';
import { parseEvent, streamName, type Envelope, type EventContract, type EventData } from './events';
import { fail, pass, type CheckResult } from './health';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { ensureStream, type StreamSettings } from './nats';
import { backoffMs } from './outbox';
import { platformSqlFor, type PlatformSql } from './sql-dialect';
import { carrierOfMessage, tracingEnabled, withConsumeSpan } from './tracing';
import { nextTurn } from './wake-loop';

/** A policy: "when <event> happens, do <effect>" in the consuming context. */
export interface Policy<Tx extends RawSql, C extends EventContract = EventContract> {
  /** Short kebab-case name; the durable consumer is `<context>--<name>`. */
  name: string;
  event: C;
  /**
   * Runs inside the transaction that also records the event as processed. `position` is where
   * the event sits in its stream; absent when a dead letter is replayed by an operator.
   */
  handle(tx: Tx, data: EventData<C>, envelope: Envelope<EventData<C>>, position?: StreamPosition): Promise<void>;
  /**
   * How a message's bytes become an envelope; default: `parseEvent(event, raw)` (type, version
   * and data checked against the contract). A policy over a whole stream (`event.subject` a
   * wildcard such as `ordering.>`, see subgraphs/timeline) checks what it knows itself; a throw
   * here dead-letters the message.
   */
  parse?(raw: string): Envelope<EventData<C>>;
  /**
   * A copy of another context's facts (an idempotent upsert, no side effects): a database newer
   * than the durable consumer gets the stream's history first (platform/new-database-replay.ts).
   */
  replayIntoNewDatabase?: boolean;
  /**
   * Events of one key are handled one after another in stream order; events of different
   * keys concurrently (up to the consumer's `concurrency`). Default: the envelope's
   * correlation id (the order, the reservation, the mission). A policy whose effect touches
   * state shared by several cases (a customer's missions) keys by that state instead.
   */
  orderingKey?(data: EventData<C>, envelope: Envelope<EventData<C>>): string;
  /**
   * False for a valid event this policy has nothing to do with (another context's message
   * request): it is acknowledged without a transaction or a processed marker. Only for events
   * whose `handle` would change nothing, so skipping is as idempotent as handling.
   */
  accepts?(data: EventData<C>, envelope: Envelope<EventData<C>>): boolean;
}

/** A message's place in its JetStream stream (the stream sequence is unique and increasing per stream). */
export interface StreamPosition {
  stream: string;
  streamSequence: number;
}

export function policy<Tx extends RawSql, C extends EventContract>(p: Policy<Tx, C>): Policy<Tx, C> {
  return p;
}

export interface ConsumerOptions {
  context: string;
  maxDeliver: number;
  /** How long JetStream waits for an ack before redelivering (a crashed handler). */
  ackWaitMs?: number;
  /** Messages pulled per request (JetStream `max_messages` of the pull; default 64). */
  batch?: number;
  /**
   * Batch transactions in hand at once, each over its own ordering keys (default 8; 1 handles one
   * batch at a time). Each holds a HandlerSlot and so a database connection.
   */
  concurrency?: number;
  /**
   * Most messages handled in one database transaction (default 64; 1 is one transaction per
   * message). A worker takes every message queued for it up to this many.
   */
  batchMax?: number;
  /**
   * How long (ms) an idle worker waits for more messages before it starts a batch that is not
   * full (default 0: at once). Trades that much latency per event for bigger batches at a
   * steady rate; under a backlog batches fill without it.
   */
  batchLingerMs?: number;
  /** A budget shared with the context's other consumers: one slot per batch in hand (its transaction holds a database connection). */
  slots?: HandlerSlots;
  /** Called after a handler's or a batch's transaction committed (the context wakes its outbox relay). */
  afterCommit?: () => void;
  /** How a missing stream is (re)created (NATS_STREAM_REPLICAS). */
  streams?: StreamSettings;
  /** Counts and times every handled message (platform/metrics.ts). */
  metrics?: Metrics;
}

/**
 * A counting semaphore: at most `size` handlers of one context run at once, whichever of its
 * durable consumers they belong to. Each handler runs in its own database transaction and so
 * holds a pool connection; the context's pool (DATABASE_POOL_MAX) must keep some for GraphQL
 * requests and the relay. Waiters are served first come, first served.
 */
export class HandlerSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`HandlerSlots: size must be a positive integer, not ${size}`);
    this.free = size;
  }

  /** Runs `fn` once a slot is free; the slot is released when `fn` settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }

  /** Slots in use now (for tests and metrics). */
  get inUse(): number {
    return this.size - this.free;
  }
}

/** `skipped`: a valid event the policy does not handle (`accepts` said no), acknowledged. */
export type Outcome = 'processed' | 'duplicate' | 'skipped' | 'retry' | 'dead-lettered';

/**
 * One durable pull consumer per (context, policy), shared by every replica of the
 * context (each event goes to one replica). Messages are pulled in batches and spread over
 * `concurrency` workers by ordering key (the correlation id unless the policy says otherwise):
 * a key stays with one worker while it has messages in hand, so the events of one order keep
 * their stream order. A worker takes what is queued for it (up to `batchMax`) and handles it in
 * ONE transaction: every event's "processed" marker in one statement (a redelivered event is a
 * duplicate and skipped), then each new event's effect in stream order, then one commit (a
 * HandlerSlot held for it) and an ack per message (without waiting for the server: a lost ack
 * is a redelivery, which the marker makes a duplicate). Why: per event, the transaction, its
 * round trips and Prisma's work around them were most of a consumer's CPU (issue 13).
 * When a batch's transaction fails, its messages are handled again one transaction each, as a
 * single message always is: nak with back-off on a transient failure; after `maxDeliver`
 * attempts, or at once for a message that can never succeed, write a dead-letter record and
 * terminate it. Invalid and not accepted messages settle on their own, outside any transaction.
 * Self-healing: when the server no longer has the consumer (or its stream), it is
 * recreated and consumption resumes (see setUp for where it starts).
 */
export class PolicyConsumer<Tx extends RawSql> {
  readonly durable: string;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopped = true;
  private prepared = false;
  private recovering?: string;
  private recovery?: Promise<void>;
  private readonly sql: PlatformSql;
  /** Stream sequences of messages this process naked (retried alone when they come back); each leaves when handled again. */
  private readonly naked = new Set<number>();
  /** Fires after each message, for tests and metrics. */
  onOutcome?: (outcome: Outcome, subject: string) => void;

  constructor(
    private readonly p: Policy<Tx, EventContract>,
    private readonly db: PlatformDb<Tx>,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    private readonly opts: ConsumerOptions,
  ) {
    this.durable = `${opts.context}--${p.name}`;
    this.sql = platformSqlFor(db);
  }

  /**
   * Makes sure the stream and the durable consumer exist, without consuming yet. A context
   * prepares all its consumers first and starts them last, so a backlog to catch up on
   * does not slow the rest of its start-up.
   */
  async prepare(): Promise<void> {
    await this.setUp();
    this.prepared = true;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (!this.prepared) await this.setUp();
    await this.consume();
    this.log.info({ consumer: this.durable, subject: this.p.event.subject }, 'consumer started');
  }

  /** For readiness: running, or why not (recreating after the server lost it, stopped). */
  health(): CheckResult {
    if (this.stopped) return fail('stopped');
    if (this.recovering) return fail(`recreating: ${this.recovering}`);
    return this.messages ? pass() : fail('not started');
  }

  /** The stream this consumer reads, e.g. ORDERING. */
  get stream(): string {
    return streamName(this.p.event.subject.split('.')[0]);
  }

  /**
   * Creates the stream (if missing) and the durable consumer (if missing; else brings its
   * settings up to date). A consumer created here starts at the stream's first message
   * (DeliverPolicy.All): on a new stream that is every event since it was (re)created,
   * which is what a consumer recreated after a wiped server must see; on an old stream the
   * processed-event records make the replay a series of duplicates, no effect twice.
   */
  private async setUp(): Promise<void> {
    const stream = await ensureStream(this.jsm, this.p.event.subject.split('.')[0], this.opts.streams, this.log);
    const config = {
      durable_name: this.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.p.event.subject,
      ack_wait: nanos(this.opts.ackWaitMs ?? 30_000),
      // The handler counts deliveries and dead-letters; the server never drops a message on its own.
      max_deliver: -1,
      max_ack_pending: 1000,
    };
    try {
      await this.jsm.consumers.info(stream, this.durable);
      await this.jsm.consumers.update(stream, this.durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
    } catch {
      await this.jsm.consumers.add(stream, config).catch(async (e) => {
        await this.jsm.consumers.info(stream, this.durable).catch(() => {
          throw e;
        });
      });
      this.log.info({ consumer: this.durable, stream }, 'durable consumer created');
    }
  }

  private async consume(): Promise<void> {
    const consumer = await this.js.consumers.get(this.stream, this.durable);
    const messages = await consumer.consume({ max_messages: this.opts.batch ?? 64 });
    this.messages = messages;
    // The client re-checks its consumer after a reconnect or missed heartbeats and reports a
    // missing one here, but never recreates it: we do (a server that lost its store).
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'consumer_not_found' || s.type === 'stream_not_found' || s.type === 'consumer_deleted') {
          void this.recover(s.type.replace(/_/g, ' '));
          return;
        }
      }
    })().catch(() => undefined);
    this.loop = (async () => {
      const workers = Math.max(1, this.opts.concurrency ?? 8);
      const batchMax = Math.max(1, this.opts.batchMax ?? 64);
      const queues = new KeyedBatches<Parsed>(workers, batchMax, (batch) => this.handleBatch(batch), this.opts.slots, this.opts.batchLingerMs ?? 0);
      // Messages in hand (queued or being handled): a full batch per worker at most.
      const inHandMax = workers * batchMax;
      for await (const m of messages) {
        const parsed = this.parse(m);
        queues.push(parsed.env ? this.keyOf(parsed.env) : `invalid:${m.seq}`, parsed);
        await queues.below(inHandMax);
        // Let probes, requests and the other consumers in between two messages of a backlog.
        await nextTurn();
      }
      // stop(): the messages in hand finish (and are acked) before the loop ends.
      await queues.idle();
    })()
      .catch((e) => this.log.error({ err: e, consumer: this.durable }, 'consumer loop ended'))
      .finally(() => {
        // Ended without stop() or a recovery in hand: the client gave up on it; start it over.
        if (!this.stopped && !this.recovery && this.messages === messages) void this.recover('consumer loop ended');
      });
  }

  /** Replaces the durable consumer (and its stream) the server no longer has, with back-off until it can. */
  private recover(reason: string): Promise<void> {
    return (this.recovery ??= (async () => {
      this.recovering = reason;
      this.log.warn({ consumer: this.durable, reason }, 'durable consumer missing on the server; recreating it');
      this.messages?.stop();
      await this.loop;
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.setUp();
          await this.consume();
          this.log.info({ consumer: this.durable, attempt }, 'durable consumer recreated; consuming again');
          break;
        } catch (e) {
          const delay = Math.round(backoffMs(attempt, 250, 10_000));
          this.log.warn({ consumer: this.durable, attempt, retryInMs: delay, err: (e as Error).message }, 'could not recreate the durable consumer; will retry');
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      this.recovering = undefined;
    })().finally(() => (this.recovery = undefined)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.recovery;
    // Stop fetching; the messages in hand finish (and are acked) before the loop ends.
    this.messages?.stop();
    await this.loop;
  }

  /** The envelope of a message, or why it is not a valid event of this policy. */
  private parse(m: JsMsg): Parsed {
    const raw = m.string();
    try {
      return { m, raw, env: this.parseRaw(raw) };
    } catch (e) {
      return { m, raw, error: (e as Error).message };
    }
  }

  private keyOf(env: Envelope): string {
    return this.p.orderingKey ? this.p.orderingKey(env.data as never, env as never) : env.correlationId;
  }

  /**
   * Handles a worker's batch (messages of its keys, in stream order) to their outcomes; never
   * throws. Invalid and not-accepted messages settle on their own (dead letter, skip); the rest
   * run in ONE transaction: one statement marks them all processed, then each new event's
   * handler in order, then commit and ack each. When that transaction fails, each message runs
   * again in a transaction of its own, so only the failing one is naked or dead-lettered.
   */
  private async handleBatch(batch: Parsed[]): Promise<void> {
    try {
      await this.settleBatch(batch);
    } catch (e) {
      this.log.error({ err: e, consumer: this.durable, messages: batch.length }, 'handling a batch failed unexpectedly; its messages will be redelivered');
    }
  }

  private async settleBatch(batch: Parsed[]): Promise<void> {
    let work: Parsed[] = batch;
    if (batch.length > 1) {
      work = [];
      // Invalid and not accepted ones settle on their own (handle() calls accepts() again, catching a throw).
      // So does a message this process naked before: it failed once, it is retried alone and
      // cannot fail a batch (and cost the others a transaction each) at every redelivery.
      for (const item of batch) {
        let accepted = false;
        try {
          accepted = !!item.env && (!this.p.accepts || this.p.accepts(item.env.data as never, item.env as never)) && !this.naked.has(item.m.seq);
        } catch {
          accepted = false;
        }
        if (accepted) work.push(item);
        else await this.handle(item.m, item);
      }
    }
    if (work.length === 0) return;
    if (work.length === 1) return this.handle(work[0].m, work[0]);
    const started = performance.now();
    let outcomes: Array<'processed' | 'duplicate'>;
    try {
      outcomes = await this.applyBatch(work);
    } catch (e) {
      this.log.warn({ consumer: this.durable, messages: work.length, err: (e as Error).message }, 'a batch failed; handling its messages one at a time');
      for (const item of work) await this.handle(item.m, item);
      return;
    }
    for (const item of work) item.m.ack();
    if (outcomes.includes('processed')) this.opts.afterCommit?.();
    const seconds = (performance.now() - started) / 1000;
    const debug = this.log.isLevelEnabled('debug');
    for (let i = 0; i < work.length; i++) {
      const { m, env } = work[i];
      this.opts.metrics?.consumers().handled(this.durable, outcomes[i], seconds);
      this.onOutcome?.(outcomes[i], m.subject);
      if (debug) this.log.debug({ consumer: this.durable, eventId: env!.id, correlationId: env!.correlationId, outcome: outcomes[i] }, 'event handled');
    }
  }

  /**
   * The transaction of a batch of valid, accepted events: markers of all in one statement, then
   * each new one's handler in order (each in its consume span). Throws when any statement fails
   * (nothing of the batch is committed).
   */
  private applyBatch(work: Parsed[]): Promise<Array<'processed' | 'duplicate'>> {
    // Prisma ends an interactive transaction after 5 s by default: a batch gets more, in step with
    // its size, but always less than the ack wait (its acks must land before a redelivery).
    const timeout = Math.min(5_000 + 100 * work.length, Math.max(5_000, (this.opts.ackWaitMs ?? 30_000) / 2));
    type Outcomes = Array<'processed' | 'duplicate'>;
    const transaction = this.db.$transaction as unknown as (fn: (tx: Tx) => Promise<Outcomes>, options: { timeout: number }) => Promise<Outcomes>;
    return transaction.call(this.db, async (tx: Tx) => {
      const fresh = await this.sql.markProcessedMany(tx, this.durable, [...new Set(work.map((w) => w.env!.id))]);
      const outcomes: Outcomes = [];
      for (const { m, raw, env } of work) {
        // `delete`: a second copy of one event in the same batch is a duplicate.
        const isNew = fresh.delete(env!.id);
        outcomes.push(
          await withConsumeSpan(this.handling(m, env!, raw), async () => {
            if (!isNew) return 'duplicate' as const;
            await this.p.handle(tx, env!.data, env!, { stream: m.info.stream, streamSequence: m.info.streamSequence });
            return 'processed' as const;
          }),
        );
      }
      return outcomes;
    }, { timeout });
  }

  /** What a consume span and the log lines of a message's handling carry. */
  private handling(m: JsMsg, env: Envelope, raw: string) {
    const orderId = (env.data as { orderId?: unknown } | null)?.orderId;
    return {
      service: this.opts.context,
      consumer: this.durable,
      subject: m.subject,
      eventId: env.id,
      correlationId: env.correlationId,
      orderId: typeof orderId === 'string' ? orderId : undefined,
      attempt: m.info.deliveryCount,
      // The headers are decoded only for a trace (with tracing off the carrier is never read).
      carrier: tracingEnabled() ? carrierOfMessage(m.headers, raw) : {},
    };
  }

  /**
   * Handles one message to its outcome; never throws (a failure is logged, the message left to
   * redelivery). Runs in its worker's HandlerSlot (KeyedBatches takes it around the batch).
   */
  private async handle(m: JsMsg, parsed: Parsed): Promise<void> {
    const started = performance.now();
    let outcome: Outcome;
    this.naked.delete(m.seq);
    try {
      outcome = await this.process(m, parsed);
    } catch (e) {
      this.log.error({ err: e, consumer: this.durable, seq: m.seq }, 'handling an event failed unexpectedly; it will be redelivered');
      return;
    }
    this.opts.metrics?.consumers().handled(this.durable, outcome, (performance.now() - started) / 1000);
    this.onOutcome?.(outcome, m.subject);
  }

  private async process(m: JsMsg, { raw, env, error }: Parsed): Promise<Outcome> {
    const attempt = m.info.deliveryCount;
    if (!env) {
      await this.deadLetter(m, raw, null, `invalid event: ${error}`, attempt);
      return 'dead-lettered';
    }
    if (this.p.accepts && !this.p.accepts(env.data as never, env as never)) {
      m.ack();
      return 'skipped';
    }
    return withConsumeSpan(this.handling(m, env, raw), () => this.settle(m, env, raw, attempt));
  }

  /** Applies a valid event and acks, naks or dead-letters it. */
  private async settle(m: JsMsg, env: Envelope, raw: string, attempt: number): Promise<Outcome> {
    try {
      const outcome = await this.apply(env, { stream: m.info.stream, streamSequence: m.info.streamSequence });
      m.ack();
      if (outcome === 'processed') this.opts.afterCommit?.();
      if (this.log.isLevelEnabled('debug')) this.log.debug({ consumer: this.durable, eventId: env.id, correlationId: env.correlationId, outcome }, 'event handled');
      return outcome;
    } catch (e) {
      // Built only on this (rare) path: a child logger per message costs on the hot path.
      const log = this.log.child({ consumer: this.durable, eventId: env.id, correlationId: env.correlationId });
      const permanent = e instanceof PermanentError;
      if (permanent || attempt >= this.opts.maxDeliver) {
        log.error({ err: (e as Error).message, attempt }, 'event dead-lettered');
        await this.deadLetter(m, raw, env.id, (e as Error).message, attempt);
        return 'dead-lettered';
      }
      const delay = Math.round(backoffMs(attempt, 500, 60_000));
      log.warn({ err: (e as Error).message, attempt, retryInMs: delay }, 'event failed, will retry');
      this.naked.add(m.seq);
      m.nak(delay);
      return 'retry';
    }
  }

  /** Effect + "processed" marker in one transaction; a second delivery of the same event changes nothing. */
  async apply(env: Envelope, position?: StreamPosition): Promise<'processed' | 'duplicate'> {
    return this.db.$transaction(async (tx) => {
      if (!(await this.sql.markProcessed(tx, this.durable, env.id))) return 'duplicate' as const;
      await this.p.handle(tx, env.data, env, position);
      return 'processed' as const;
    });
  }

  /**
   * Effects + markers of several events in ONE transaction, in the given order (new-database
   * replay). Each event's outcome in input order; a second copy of an event is a duplicate.
   * Throws when any effect fails: nothing of the list is committed.
   */
  async applyMany(items: ReadonlyArray<{ env: Envelope; position?: StreamPosition }>): Promise<Array<'processed' | 'duplicate'>> {
    if (items.length === 0) return [];
    return this.db.$transaction(async (tx) => {
      const fresh = await this.sql.markProcessedMany(tx, this.durable, [...new Set(items.map((i) => i.env.id))]);
      const outcomes: Array<'processed' | 'duplicate'> = [];
      for (const { env, position } of items) {
        if (!fresh.delete(env.id)) {
          outcomes.push('duplicate');
          continue;
        }
        await this.p.handle(tx, env.data, env, position);
        outcomes.push('processed');
      }
      return outcomes;
    });
  }

  private async deadLetter(m: JsMsg, raw: string, eventId: string | null, error: string, deliveries: number): Promise<void> {
    try {
      await this.sql.insertDeadLetter(this.db, {
        consumer: this.durable,
        subject: m.subject,
        eventId,
        payload: raw,
        error: error.slice(0, 2000),
        deliveries,
        streamSeq: m.seq,
      });
      // term() with no reason: nats-server 2.9 ignores reasons and would redeliver.
      m.term();
    } catch (e) {
      // Could not record it: leave the message to JetStream so it is not lost.
      this.log.error({ err: e, consumer: this.durable }, 'could not write dead-letter record; will retry');
      m.nak(5000);
    }
  }

  /** Replays a dead-lettered event through this policy (operator action). */
  async replay(raw: string): Promise<'processed' | 'duplicate'> {
    return this.apply(this.parseRaw(raw));
  }

  /** The policy's own parse, or the contract's (`parseEvent`); throws on an invalid event. */
  private parseRaw(raw: string): Envelope {
    return this.p.parse ? this.p.parse(raw) : parseEvent(this.p.event, raw);
  }
}

/** A pulled message with its envelope, or why it is not a valid event of the policy. */
interface Parsed {
  m: JsMsg;
  raw: string;
  env?: Envelope;
  error?: string;
}

/**
 * Per-key FIFO queues over a fixed number of workers, each handling what is queued for it in
 * batches (of up to `batchMax`, in arrival order). A key stays with one worker while any of its
 * items is queued or in hand, so a key's items are handled one batch after another in arrival
 * order; a key with nothing in hand goes to the least loaded worker (ties: the lowest index).
 * `run` must not throw (PolicyConsumer.handleBatch settles every message itself).
 */
export class KeyedBatches<T> {
  private readonly queues: Array<Array<{ key: string; item: T }>>;
  private readonly load: number[];
  private readonly running: Array<Promise<void> | undefined>;
  private readonly keys = new Map<string, { worker: number; inHand: number }>();
  private inHand = 0;
  private freed?: () => void;

  /**
   * `slots`: each batch is taken from its queue and run once a slot is free (more arrive
   * meanwhile), and holds it throughout. `lingerMs`: a worker whose queue holds less than a full
   * batch waits that long first (0: never).
   */
  constructor(
    workers: number,
    private readonly batchMax: number,
    private readonly run: (batch: T[]) => Promise<void>,
    private readonly slots?: HandlerSlots,
    private readonly lingerMs = 0,
  ) {
    this.queues = Array.from({ length: workers }, () => []);
    this.load = new Array<number>(workers).fill(0);
    this.running = new Array<Promise<void> | undefined>(workers).fill(undefined);
  }

  /** Queues `item` behind the items of its key and starts its worker if idle. */
  push(key: string, item: T): void {
    let k = this.keys.get(key);
    if (!k) {
      let worker = 0;
      for (let w = 1; w < this.load.length; w++) if (this.load[w] < this.load[worker]) worker = w;
      k = { worker, inHand: 0 };
      this.keys.set(key, k);
    }
    k.inHand++;
    this.inHand++;
    this.load[k.worker]++;
    this.queues[k.worker].push({ key, item });
    this.running[k.worker] ??= this.drain(k.worker);
  }

  /** Resolves once fewer than `limit` items are queued or in hand. */
  async below(limit: number): Promise<void> {
    while (this.inHand >= limit) await new Promise<void>((r) => (this.freed = r));
  }

  /** Resolves when every worker is idle (all items handled). */
  async idle(): Promise<void> {
    while (this.running.some(Boolean)) await Promise.all(this.running);
  }

  private async drain(worker: number): Promise<void> {
    const queue = this.queues[worker];
    try {
      while (queue.length > 0) {
        if (this.lingerMs > 0 && queue.length < this.batchMax) await new Promise((r) => setTimeout(r, this.lingerMs));
        let batch: Array<{ key: string; item: T }> = [];
        const take = () => {
          batch = queue.splice(0, this.batchMax);
          return this.run(batch.map((b) => b.item));
        };
        try {
          await (this.slots ? this.slots.run(take) : take());
        } finally {
          for (const { key } of batch) {
            const k = this.keys.get(key)!;
            if (--k.inHand === 0) this.keys.delete(key);
          }
          this.load[worker] -= batch.length;
          this.inHand -= batch.length;
          const freed = this.freed;
          this.freed = undefined;
          freed?.();
        }
      }
    } finally {
      this.running[worker] = undefined;
    }
  }
}
