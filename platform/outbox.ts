import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { RawSql } from './database';
import { createEnvelope, type Envelope, type EventContract, type EventData } from './events';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { OutboxWakeSource } from './outbox-listener';
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
 * "seq" first); every row of a batch is published at once (asynchronous JetStream publishes
 * on one connection: they reach the stream in the order they were sent) and the acks
 * are awaited together. While they are awaited, the previous batch's acknowledged rows are
 * marked sent (one statement) and the next batch is read (leaving out the rows in flight), so
 * the database's round trips overlap JetStream's; the next batch is published only once every
 * ack of this one arrived, so a later batch never overtakes a failed row of an earlier one.
 * A crash between the publish and that mark republishes the rows, which the message id
 * turns into no-ops. A failed publish is retried with back-off (that row only; the rows
 * acknowledged beside it are marked sent, the batch read ahead is left due); rows survive
 * restarts because they live in the database. Two relays on one table (replicas) may publish
 * a row twice; the message id makes that harmless.
 *
 * Wake-ups: `notify()` after a commit of this process; with a `listener` (PostgreSQL
 * LISTEN/NOTIFY, platform/outbox-listener.ts) also every commit to the outbox made elsewhere
 * (another replica, a script, psql: connections that do not turn the trigger's NOTIFY off, as
 * the context's own pool does). A notification naming a row a read already returned wakes
 * nothing. The relay also polls every `pollMs`, the safety net for all of it.
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
  /** Notifications that asked for a read, counted; `readGen`: the count when the last read that found everything due began. */
  private notifiedGen = 0;
  private readGen = 0;
  /** "seq" of rows recently read: a notification naming one was committed before that read, so it asks for nothing. */
  private readonly recentSeqs = new Set<number>();

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
      /** Announces commits from every process (PostgreSQL LISTEN); started and stopped with the relay. */
      listener?: OutboxWakeSource;
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
    this.opts.listener?.start({ onNotify: (seq) => this.notified(seq), onListening: () => this.loop.notify() });
  }

  /**
   * Publishes soon: call after a transaction that wrote to the outbox committed. (The context's
   * own pool does not NOTIFY, platform/database.ts: its commits are announced here.)
   */
  notify(): void {
    this.loop.notify();
  }

  async stop(): Promise<void> {
    await this.opts.listener?.stop();
    await this.loop.stop();
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

  /** A commit wrote rows up to `seq`: read unless a read already returned that row; a running pass reads again before it ends. */
  private notified(seq: number | undefined): void {
    if (seq !== undefined && this.recentSeqs.has(seq)) return;
    this.notifiedGen++;
    if (!this.loop.busy) this.loop.notify();
  }

  /** Reads up to `limit` due rows (not those in `exclude`); a short read found everything committed before it began. */
  private async read(limit: number, exclude: readonly string[]): Promise<DueOutboxRow[]> {
    const gen = this.notifiedGen;
    const rows = await this.sql.dueOutbox(this.db, limit, exclude);
    if (rows.length < limit) this.readGen = Math.max(this.readGen, gen);
    for (const r of rows) this.recentSeqs.add(Number(r.seq));
    if (this.recentSeqs.size > 4 * limit) {
      // Insertion order: the oldest go first.
      for (const s of this.recentSeqs) {
        if (this.recentSeqs.size <= 2 * limit) break;
        this.recentSeqs.delete(s);
      }
    }
    return rows;
  }

  /** Marks acknowledged rows sent (one statement); returns how many. */
  private async markSent(acked: ReadonlyArray<{ id: string; streamSeq: number }>): Promise<number> {
    if (acked.length === 0) return 0;
    await this.sql.markOutboxSentMany(this.db, acked);
    this.metrics?.published.inc(acked.length);
    this.log.debug({ published: acked.length }, 'outbox rows published');
    return acked.length;
  }

  /**
   * One pass over what is due; the running relay's pass ends early once it is stopped (the rest stays due).
   * Per batch: publish it; meanwhile read the next batch (leaving out the rows in flight and those not yet
   * marked), then mark the batch before sent. The database is used by one statement at a time.
   */
  private async pass(untilStopped: boolean): Promise<number> {
    const limit = this.opts.batchSize ?? 256;
    const stopping = () => untilStopped && this.loop.stopped;
    let sent = 0;
    let healed = false;
    // The previous batch's mark, running behind the read of the next batch.
    let marking: Promise<void> = Promise.resolve();
    const mark = (acked: Array<{ id: string; streamSeq: number }>) => this.markSent(acked).then((n) => void (sent += n));
    let rows = await this.read(limit, []);
    let unmarked: Array<{ id: string; streamSeq: number }> = [];
    for (;;) {
      if (rows.length === 0) {
        await marking;
        await mark(unmarked);
        unmarked = [];
        // Commits announced since the last complete read are read for before the pass ends (no await after this check).
        if (stopping() || this.notifiedGen <= this.readGen) return sent;
        rows = await this.read(limit, []);
        continue;
      }
      const publishing = Promise.allSettled(rows.map((row) => this.publish(row)));
      const full = rows.length === limit;
      const before = unmarked;
      unmarked = [];
      const exclude = [...rows.map((r) => r.id), ...before.map((r) => r.id)];
      // While JetStream acknowledges this batch: read the next one, then mark the batch before sent.
      const ahead = (async () => {
        await marking;
        if (stopping() || (!full && this.notifiedGen <= this.readGen)) return [];
        return this.read(limit, exclude);
      })();
      marking = ahead.then(
        () => mark(before),
        () => mark(before),
      );
      // Both are awaited below; not unhandled rejections meanwhile.
      ahead.catch(() => undefined);
      marking.catch(() => undefined);
      let results = await publishing;
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
      if (acked.length > 0) this.failures = 0;
      unmarked = acked;
      if (failed.length > 0) {
        // The batch read ahead is not published (nothing overtakes the failed rows now); it stays due.
        await ahead.catch(() => undefined);
        await marking;
        await mark(unmarked);
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
      rows = await ahead;
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
