import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { RawSql } from './database';
import { createEnvelope, type Envelope, type EventContract, type EventData } from './events';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { WakeLoop } from './wake-loop';
import { ensureStream, isMissingResource, type StreamSettings } from './nats';
import { fail, pass, type CheckResult } from './health';
import { platformSqlFor, type PlatformSql } from './sql-dialect';
import { carrierOf, outboxTraceContext, withPublishSpan } from './tracing';

/**
 * Writes an event into the context's outbox table. Call it with the transaction
 * that changes the state, so the state change and its event commit together.
 * With tracing on, the stored envelope also holds the W3C trace context of the write
 * (`traceparent`, `tracestate`: CloudEvents' distributed-tracing attributes), which the
 * relay sends as NATS headers however late, and in whichever process, it publishes.
 */
export async function addToOutbox<C extends EventContract>(
  tx: RawSql,
  contract: C,
  data: EventData<C>,
  meta: { correlationId: string; causationId?: string | null },
): Promise<Envelope<EventData<C>>> {
  const env = createEnvelope(contract, data, meta);
  await platformSqlFor(tx).insertOutbox(tx, {
    id: env.id,
    subject: contract.subject,
    stream: contract.stream,
    payload: JSON.stringify({ ...env, ...outboxTraceContext(contract.subject, env.id, env.correlationId) }),
    correlationId: env.correlationId,
  });
  return env;
}

/** Exponential back-off with jitter, capped: 250 ms, 500 ms, 1 s … 30 s. */
export const backoffMs = (attempt: number, baseMs = 250, capMs = 30_000) =>
  Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4);

/**
 * Publishes outbox rows to JetStream in commit order, with the event id as the
 * message id (JetStream drops a duplicate within its window), and marks a row sent
 * only after JetStream acknowledged it. A failed publish is retried with back-off;
 * rows survive restarts because they live in the database. Two relays on one table
 * (replicas) may publish a row twice; the message id makes that harmless.
 * Self-healing: when JetStream answers that the stream is missing (the server lost its
 * store), the relay recreates it (given `jsm`) and publishes the row again at once.
 */
export class OutboxRelay {
  private readonly loop: WakeLoop;
  private readonly sql: PlatformSql;
  private readonly metrics?: ReturnType<Metrics['outbox']>;
  /** Publishes that failed in a row (0 after any success); readiness fails from `failureStreakLimit` on. */
  private failures = 0;
  private lastError?: string;

  constructor(
    private readonly db: RawSql,
    private readonly js: JetStreamClient,
    private readonly log: Logger,
    private readonly opts: {
      pollMs: number;
      batchSize?: number;
      metrics?: Metrics;
      jsm?: JetStreamManager;
      streams?: StreamSettings;
      failureStreakLimit?: number;
    } = { pollMs: 1000 },
  ) {
    this.sql = platformSqlFor(db);
    this.loop = new WakeLoop(() => this.drain(), { pollMs: opts.pollMs, log, failure: 'outbox relay pass failed' });
    this.metrics = opts.metrics?.outbox();
    this.metrics?.readBacklog(() => this.backlog());
  }

  /** Unpublished rows and the age in seconds of the oldest one (0 when none). */
  backlog(): Promise<{ unsent: number; oldestAgeSeconds: number }> {
    return this.sql.outboxBacklog(this.db);
  }

  start(): void {
    this.loop.start();
  }

  /** Publishes soon: call after a transaction that wrote to the outbox committed. */
  notify(): void {
    this.loop.notify();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** For readiness: fails after `failureStreakLimit` (default 3) publishes failed in a row. */
  health(): CheckResult {
    const limit = this.opts.failureStreakLimit ?? 3;
    if (this.failures >= limit) return fail(`${this.failures} publishes failed in a row: ${this.lastError}`);
    return pass();
  }

  /** Publishes every row that is due; returns how many were sent. */
  async drain(): Promise<number> {
    let sent = 0;
    let healed = false;
    for (;;) {
      const rows = await this.sql.dueOutbox(this.db, this.opts.batchSize ?? 100);
      if (rows.length === 0) return sent;
      for (const row of rows) {
        if (this.loop.stopped && sent > 0) return sent;
        try {
          const body = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
          const publish = () =>
            withPublishSpan(row.subject, row.id, carrierOf(row.payload), (headers) =>
              this.js.publish(row.subject, body, { msgID: row.id, expect: { streamName: row.stream }, timeout: 5000, ...(headers ? { headers } : {}) }),
            );
          const ack = await publish().catch(async (e) => {
            // The stream is gone (a wiped server): recreate it once per pass and publish again.
            if (healed || !this.opts.jsm || !isMissingResource(e)) throw e;
            healed = true;
            this.log.warn({ stream: row.stream, err: (e as Error).message }, 'stream missing on publish; recreating it');
            await ensureStream(this.opts.jsm, row.subject.split('.')[0], this.opts.streams, this.log);
            return publish();
          });
          await this.sql.markOutboxSent(this.db, row.id, ack.seq);
          this.metrics?.published.inc();
          this.failures = 0;
          sent++;
          this.log.debug({ eventId: row.id, subject: row.subject, duplicate: ack.duplicate }, 'published');
        } catch (e) {
          this.metrics?.publishFailures.inc();
          this.failures++;
          this.lastError = String((e as Error).message).slice(0, 200);
          const attempts = row.attempts + 1;
          const delay = Math.round(backoffMs(attempts));
          await this.sql.markOutboxRetry(this.db, row.id, attempts, String((e as Error).message).slice(0, 500), delay);
          this.log.warn({ eventId: row.id, subject: row.subject, attempts, retryInMs: delay, err: (e as Error).message }, 'publish failed, will retry');
          // End this pass; the poll picks the row up again when its back-off is over.
          return sent;
        }
      }
    }
  }
}
