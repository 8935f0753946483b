import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { PolicyConsumer, Policy, StreamPosition } from './consumer';
import type { RawSql } from './database';
import { parseEvent, type Envelope } from './events';
import type { Logger } from './logger';
import { ensureStream } from './nats';

/**
 * Replays a policy's events from the start of the producer's stream into a database that is
 * newer than the policy's durable consumer, before that consumer starts.
 *
 * Why: a durable consumer remembers what the context has been told, its database remembers
 * what it applied. When a context gets a new database (a replica set moving from the embedded
 * PGlite to a shared PostgreSQL, a restored or re-created database), the durable has already
 * acknowledged the old facts and would only deliver new ones: a copy of another context's
 * reference data (inventory's copy of the catalog) would stay empty forever. Only policies
 * marked `replayIntoNewDatabase` replay: copies of facts, whose effect is an idempotent
 * upsert. A policy with side effects (sending a message, opening a delivery) must not re-run
 * history into a new database, so it is never replayed.
 *
 * The database is "new" for a policy when it holds no ProcessedEvent row for the durable
 * (`<context>--<policy>`) while the durable exists and has acknowledged at least one message.
 * Each fetched batch (up to 256 events) goes through the policy in one transaction (effects +
 * processed markers, `applyMany`; one per event with a consumer that has only `apply`), so the
 * durable's later delivery of the same event is a duplicate, and two replicas replaying at
 * once apply each event once. Only a fact stream keeps its whole history (platform/nats.ts:
 * NATS_FACT_STREAMS, catalog by default; event streams keep NATS_STREAM_MAX_AGE_HOURS): a policy
 * marked for replay must read one, or a new database gets only the events still in the stream.
 *
 * @returns how many events were applied (0 when the database was not new).
 * @throws when the stream cannot be read or an event's effect fails: the context does not
 *   start half-filled; a restart tries again (nothing was marked processed for a failed event).
 */
export async function replayIntoNewDatabase<Tx extends RawSql>(
  consumer: Pick<PolicyConsumer<Tx>, 'durable' | 'apply'> & Partial<Pick<PolicyConsumer<Tx>, 'applyMany'>>,
  p: Policy<Tx, any>,
  db: RawSql,
  js: JetStreamClient,
  jsm: JetStreamManager,
  log: Logger,
): Promise<number> {
  const stream = await ensureStream(jsm, p.event.subject.split('.')[0]);
  const acked = await jsm.consumers.info(stream, consumer.durable).then(
    (ci) => ci.ack_floor.stream_seq,
    () => 0, // no durable yet: it will deliver the whole history itself
  );
  if (acked === 0) return 0;
  const seen = await db.$queryRaw<unknown[]>`SELECT 1 AS "one" FROM "ProcessedEvent" WHERE "consumer" = ${consumer.durable} LIMIT 1`;
  if (seen.length > 0) return 0;

  log.info({ consumer: consumer.durable, stream }, 'new database behind an existing consumer: replaying its events from the stream start');
  const ordered = await js.consumers.get(stream, { filter_subjects: p.event.subject, deliver_policy: DeliverPolicy.All });
  let applied = 0;
  for (;;) {
    const batch = await ordered.fetch({ max_messages: 256, expires: 2000 });
    let got = 0;
    let pending = 0;
    const valid: Array<{ env: Envelope; position: StreamPosition }> = [];
    for await (const m of batch) {
      got++;
      pending = m.info.pending;
      let env: Envelope;
      try {
        env = p.parse ? p.parse(m.string()) : parseEvent(p.event, m.string());
      } catch (e) {
        // The durable dead-lettered it when it first came; a replay has nothing to add.
        log.warn({ consumer: consumer.durable, seq: m.seq, err: (e as Error).message }, 'replay skipped an invalid event');
        continue;
      }
      valid.push({ env, position: { stream, streamSequence: m.seq } });
    }
    if (consumer.applyMany) applied += (await consumer.applyMany(valid)).filter((o) => o === 'processed').length;
    else for (const { env, position } of valid) if ((await consumer.apply(env, position)) === 'processed') applied++;
    if (got === 0 || pending === 0) break;
  }
  log.info({ consumer: consumer.durable, applied }, 'replay into the new database done');
  return applied;
}
