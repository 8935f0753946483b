import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { RawSql } from './database';
import { createEnvelope, type Envelope, type EventContract, type EventData } from './events';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { WakeLoop } from './wake-loop';
import { ensureStream, isMissingResource, type StreamSettings } from './nats';
import { fail, pass, type CheckResult } from './health';
import { platformSqlFor, type DueOutboxRow, type PlatformSql } from './sql-dialect';
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

/**
 * The outbox row {@link addToOutbox} writes, without writing it: for a context that folds the
 * insert into the statement making the state change (one statement is one transaction in
 * PostgreSQL: atomic without BEGIN/COMMIT round trips). Columns of "OutboxEvent"; `payload`
 * is the envelope's JSON (with the trace context when tracing is on).
 */
export function outboxRow<C extends EventContract>(
  contract: C,
  data: EventData<C>,
  meta: { correlationId: string; causationId?: string | null },
): { id: string; subject: string; stream: string; payload: string; correlationId: string } {
  const env = createEnvelope(contract, data, meta);
  return {
    id: env.id,
    subject: contract.subject,
    stream: contract.stream,
    payload: JSON.stringify({ ...env, ...outboxTraceContext(contract.subject, env.id, env.correlationId) }),
    correlationId: env.correlationId,
  };
}

/** Exponential back-off with jitter, capped: 250 ms, 500 ms, 1 s … 30 s. */
export const backoffMs = (attempt: number, baseMs = 250, capMs = 30_000) =>
  Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4);

/**
 * Publishes outbox rows to JetStream in commit order, with the event id as the
 * message id (JetStream drops a duplicate within its window), and marks a row sent
 * only after JetStream acknowledged it. Rows are read in batches (`batchSize`, oldest
 * first); every row of a batch is published at once (asynchronous JetStream publishes
 * on one connection: they reach the stream in the order they were sent) and the acks
 * are awaited together, then the acknowledged rows are marked sent in one statement.
 * A crash between the publish and that mark republishes the rows, which the message id
 * turns into no-ops. A failed publish is retried with back-off (that row only; the rows
 * acknowledged beside it are marked sent); rows survive restarts because they live in the
 * database. Two relays on one table (replicas) may publish a row twice; the message id
 * makes that harmless. The relay is woken right after a commit that wrote to the outbox
 * (`notify()`), and polls every `pollMs` besides.
 * Self-healing: when JetStream answers that the stream is missing (the server lost its
 * store), the relay recreates it (given `jsm`) and publishes the row again at once.
 */
export class OutboxRelay {
  private readonly loop: WakeLoop;
  private readonly sql: PlatformSql;
  private readonly metrics?: ReturnType<Metrics['outbox']>;
  /** Relay passes whose publishes failed, in a row (0 after any acknowledged publish); readiness fails from `failureStreakLimit` on. */
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
    this.loop = new WakeLoop(() => this.pass(true), { pollMs: opts.pollMs, log, failure: 'outbox relay pass failed' });
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

  /** For readiness: fails after `failureStreakLimit` (default 3) passes in a row whose publishes failed. */
  health(): CheckResult {
    const limit = this.opts.failureStreakLimit ?? 3;
    if (this.failures >= limit) return fail(`${this.failures} relay passes in a row could not publish: ${this.lastError}`);
    return pass();
  }

  /** Publishes every row that is due; returns how many were sent. */
  drain(): Promise<number> {
    return this.pass(false);
  }

  /** One pass over what is due; the running relay's pass ends early once it is stopped (the rest stays due). */
  private async pass(untilStopped: boolean): Promise<number> {
    const limit = this.opts.batchSize ?? 256;
    let sent = 0;
    let healed = false;
    for (;;) {
      const rows = await this.sql.dueOutbox(this.db, limit);
      if (rows.length === 0) return sent;
      let results = await Promise.allSettled(rows.map((row) => this.publish(row)));
      const missing = rows.filter((_, i) => results[i].status === 'rejected' && isMissingResource((results[i] as PromiseRejectedResult).reason));
      if (missing.length > 0 && this.opts.jsm && !healed) {
        // A stream is gone (a wiped server): recreate it once per pass and publish its rows again.
        healed = true;
        for (const stream of new Set(missing.map((r) => r.subject.split('.')[0]))) {
          this.log.warn({ stream: stream.toUpperCase() }, 'stream missing on publish; recreating it');
          await ensureStream(this.opts.jsm, stream, this.opts.streams, this.log).catch((e: Error) => this.log.warn({ stream, err: e.message }, 'could not recreate the stream'));
        }
        const again = await Promise.allSettled(rows.map((row, i) => (results[i].status === 'rejected' ? this.publish(row) : Promise.resolve(null))));
        results = results.map((r, i) => (r.status === 'rejected' ? (again[i] as PromiseSettledResult<PubAck>) : r));
      }
      const acked: Array<{ id: string; streamSeq: number }> = [];
      const failed: Array<{ row: DueOutboxRow; error: string }> = [];
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') acked.push({ id: rows[i].id, streamSeq: r.value.seq });
        else failed.push({ row: rows[i], error: String((r.reason as Error)?.message ?? r.reason) });
      });
      if (acked.length > 0) {
        await this.sql.markOutboxSentMany(this.db, acked);
        this.metrics?.published.inc(acked.length);
        this.failures = 0;
        sent += acked.length;
        this.log.debug({ published: acked.length }, 'outbox rows published');
      }
      if (failed.length > 0) {
        // Readiness counts failing passes: one refused row among acknowledged ones is not an outage.
        this.failures++;
        this.lastError = failed[0].error.slice(0, 200);
        for (const { row, error } of failed) {
          this.metrics?.publishFailures.inc();
          const attempts = row.attempts + 1;
          const delay = Math.round(backoffMs(attempts));
          await this.sql.markOutboxRetry(this.db, row.id, attempts, error.slice(0, 500), delay);
          this.log.warn({ eventId: row.id, subject: row.subject, attempts, retryInMs: delay, err: error }, 'publish failed, will retry');
        }
        // End this pass; the poll picks the rows up again when their back-off is over.
        return sent;
      }
      // A short batch was everything that was due: no need to ask again (a commit meanwhile wakes another pass).
      if (rows.length < limit || (untilStopped && this.loop.stopped)) return sent;
    }
  }

  /** One row to JetStream, with the event id as message id and the row's trace context as headers. */
  private publish(row: DueOutboxRow): Promise<PubAck> {
    const body = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
    return withPublishSpan(row.subject, row.id, carrierOf(body), (headers) =>
      this.js.publish(row.subject, body, { msgID: row.id, expect: { streamName: row.stream }, timeout: 5000, ...(headers ? { headers } : {}) }),
    );
  }
}
