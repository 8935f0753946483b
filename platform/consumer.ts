import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { PlatformDb, RawSql } from './database';
import { PermanentError } from './errors';
import { parseEvent, streamName, type Envelope, type EventContract, type EventData } from './events';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { ensureStream } from './nats';
import { backoffMs } from './outbox';
import { platformSqlFor, type PlatformSql } from './sql-dialect';
import { carrierOfMessage, withConsumeSpan } from './tracing';

/** A policy: "when <event> happens, do <effect>" in the consuming context. */
export interface Policy<Tx extends RawSql, C extends EventContract = EventContract> {
  /** Short kebab-case name; the durable consumer is `<context>--<name>`. */
  name: string;
  event: C;
  /** Runs inside the transaction that also records the event as processed. */
  handle(tx: Tx, data: EventData<C>, envelope: Envelope<EventData<C>>): Promise<void>;
  /**
   * A copy of another context's facts (an idempotent upsert, no side effects): a database newer
   * than the durable consumer gets the stream's history first (platform/new-database-replay.ts).
   */
  replayIntoNewDatabase?: boolean;
}

export function policy<Tx extends RawSql, C extends EventContract>(p: Policy<Tx, C>): Policy<Tx, C> {
  return p;
}

export interface ConsumerOptions {
  context: string;
  maxDeliver: number;
  /** How long JetStream waits for an ack before redelivering (a crashed handler). */
  ackWaitMs?: number;
  /** Messages fetched ahead of processing; processing is sequential per policy. */
  batch?: number;
  /** Called after a handler's transaction committed (the context wakes its outbox relay). */
  afterCommit?: () => void;
  /** Counts and times every handled message (platform/metrics.ts). */
  metrics?: Metrics;
}

export type Outcome = 'processed' | 'duplicate' | 'retry' | 'dead-lettered';

/**
 * One durable pull consumer per (context, policy), shared by every replica of the
 * context (each event goes to one replica). Per message: validate against the
 * producer's contract; run the effect and record "event processed" in one
 * transaction (a redelivered event is skipped); ack after commit; nak with
 * back-off on a transient failure; after `maxDeliver` attempts, or at once for a
 * message that can never succeed, write a dead-letter record and terminate it.
 */
export class PolicyConsumer<Tx extends RawSql> {
  readonly durable: string;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly sql: PlatformSql;
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

  /** The stream this consumer reads (its producer's). */
  get stream(): string {
    return streamName(this.p.event.subject.split('.')[0]);
  }

  async start(): Promise<void> {
    const stream = await ensureStream(this.jsm, this.p.event.subject.split('.')[0]);
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
    }
    const consumer = await this.js.consumers.get(stream, this.durable);
    this.messages = await consumer.consume({ max_messages: this.opts.batch ?? 32 });
    this.loop = (async () => {
      for await (const m of this.messages!) {
        const started = performance.now();
        const outcome = await this.process(m);
        this.opts.metrics?.consumers().handled(this.durable, outcome, (performance.now() - started) / 1000);
        this.onOutcome?.(outcome, m.subject);
      }
    })().catch((e) => this.log.error({ err: e, consumer: this.durable }, 'consumer loop ended'));
    this.log.info({ consumer: this.durable, subject: this.p.event.subject }, 'consumer started');
  }

  async stop(): Promise<void> {
    // Stop fetching; the message in hand finishes (and is acked) before the loop ends.
    this.messages?.stop();
    await this.loop;
  }

  private async process(m: JsMsg): Promise<Outcome> {
    const raw = m.string();
    const attempt = m.info.deliveryCount;
    let env: Envelope;
    try {
      env = parseEvent(this.p.event, raw);
    } catch (e) {
      await this.deadLetter(m, raw, null, `invalid event: ${(e as Error).message}`, attempt);
      return 'dead-lettered';
    }
    const log = this.log.child({ consumer: this.durable, eventId: env.id, correlationId: env.correlationId });
    const orderId = (env.data as { orderId?: unknown } | null)?.orderId;
    const handling = {
      service: this.opts.context,
      consumer: this.durable,
      subject: m.subject,
      eventId: env.id,
      correlationId: env.correlationId,
      orderId: typeof orderId === 'string' ? orderId : undefined,
      attempt,
      carrier: carrierOfMessage(m.headers, raw),
    };
    return withConsumeSpan(handling, () => this.settle(m, env, raw, attempt, log));
  }

  /** Applies a valid event and acks, naks or dead-letters it. */
  private async settle(m: JsMsg, env: Envelope, raw: string, attempt: number, log: Logger): Promise<Outcome> {
    try {
      const outcome = await this.apply(env);
      m.ack();
      if (outcome === 'processed') this.opts.afterCommit?.();
      log.debug({ outcome }, 'event handled');
      return outcome;
    } catch (e) {
      const permanent = e instanceof PermanentError;
      if (permanent || attempt >= this.opts.maxDeliver) {
        log.error({ err: (e as Error).message, attempt }, 'event dead-lettered');
        await this.deadLetter(m, raw, env.id, (e as Error).message, attempt);
        return 'dead-lettered';
      }
      const delay = Math.round(backoffMs(attempt, 500, 60_000));
      log.warn({ err: (e as Error).message, attempt, retryInMs: delay }, 'event failed, will retry');
      m.nak(delay);
      return 'retry';
    }
  }

  /** Effect + "processed" marker in one transaction; a second delivery of the same event changes nothing. */
  async apply(env: Envelope): Promise<'processed' | 'duplicate'> {
    return this.db.$transaction(async (tx) => {
      if (!(await this.sql.markProcessed(tx, this.durable, env.id))) return 'duplicate' as const;
      await this.p.handle(tx, env.data, env);
      return 'processed' as const;
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
    return this.apply(parseEvent(this.p.event, raw));
  }
}
