// Outbox relay against raw nats.js JetStream publishing, for `npm run bench`.
// The relay (platform/outbox.ts, running inside ordering) is fed by rows this module inserts
// straight into ordering's OutboxEvent table; their subject `ordering.bench-probe.v1` is in the
// ORDERING stream but no consumer's filter, so nothing but the stream sees them. A core NATS
// subscription on that subject in this process receives each message when JetStream stores
// it. Raw publishing uses a stream of its own (BENCH_RAW, file storage like the platform's
// streams) on the same nats-server.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';

export const PROBE_SUBJECT = 'ordering.bench-probe.v1';

/** An envelope the size of a real OrderPlaced (platform/events.ts shape). */
function probePayload(id: string): string {
  return JSON.stringify({
    id,
    type: 'BenchProbe',
    version: 1,
    occurredAt: new Date().toISOString(),
    correlationId: id,
    causationId: null,
    data: { note: 'npm run bench: outbox relay probe, consumed by nobody', padding: 'x'.repeat(240) },
  });
}

async function insertRows(db: pg.Client, ids: string[]): Promise<void> {
  // One multi-row INSERT per 500 rows, all in the caller's transaction.
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const values: string[] = [];
    const params: string[] = [];
    chunk.forEach((id, j) => {
      values.push(`($${j * 3 + 1}, '${PROBE_SUBJECT}', 'ORDERING', $${j * 3 + 2}::jsonb, $${j * 3 + 3})`);
      params.push(id, probePayload(id), id);
    });
    await db.query(`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId") VALUES ${values.join(', ')}`, params);
  }
}

export interface RelayResult {
  /** Rows of one transaction published per second (commit → last one in the stream). */
  eventsPerSecond: number;
  rows: number;
  /** Commit of a single-row transaction → its message in the stream, ms, one per probe. */
  pickupMs: number[];
  /** Rows not seen in the stream before the timeout. */
  missing: number;
}

/**
 * Relay throughput (`rows` rows committed in one transaction, then the time until the last is
 * in the stream) and pick-up delay (`probes` single-row transactions, `gapMs` apart, each
 * timed from its COMMIT's return to the message's arrival).
 */
export async function measureRelay(nc: NatsConnection, orderingDbUrl: string, o: { rows: number; probes: number; gapMs: number; timeoutMs: number }): Promise<RelayResult> {
  const seen = new Map<string, number>();
  let onSeen: (() => void) | undefined;
  const sub = nc.subscribe(PROBE_SUBJECT, {
    callback: (_e, m) => {
      const id = m.headers?.get('Nats-Msg-Id') || (JSON.parse(m.string()) as { id: string }).id;
      seen.set(id, performance.now());
      onSeen?.();
    },
  });
  await nc.flush();
  const db = new pg.Client({ connectionString: orderingDbUrl });
  await db.connect();
  try {
    const waitFor = async (ids: string[], deadline: number) => {
      while (ids.some((id) => !seen.has(id)) && performance.now() < deadline) await new Promise<void>((r) => ((onSeen = r), setTimeout(r, 50)));
    };
    // Throughput: one big transaction.
    const ids = Array.from({ length: o.rows }, () => randomUUID());
    await db.query('BEGIN');
    await insertRows(db, ids);
    await db.query('COMMIT');
    const committed = performance.now();
    await waitFor(ids, committed + o.timeoutMs);
    const got = ids.filter((id) => seen.has(id));
    const last = Math.max(...got.map((id) => seen.get(id)!));
    const first = Math.min(...got.map((id) => seen.get(id)!));
    // From the first message out (the relay's pick-up is measured apart) to the last.
    const eventsPerSecond = got.length > 1 ? (got.length - 1) / ((last - first) / 1000) : NaN;

    // Pick-up: single rows, one at a time, the stream idle.
    const pickupMs: number[] = [];
    let missing = ids.length - got.length;
    for (let i = 0; i < o.probes; i++) {
      const id = randomUUID();
      await db.query('BEGIN');
      await insertRows(db, [id]);
      await db.query('COMMIT');
      const t = performance.now();
      await waitFor([id], t + o.timeoutMs);
      if (seen.has(id)) pickupMs.push(seen.get(id)! - t);
      else missing++;
      await new Promise((r) => setTimeout(r, o.gapMs));
    }
    return { eventsPerSecond, rows: o.rows, pickupMs, missing };
  } finally {
    sub.unsubscribe();
    await db.end().catch(() => undefined);
  }
}

export interface RawPublishResult {
  /** Awaiting each ack before the next publish. */
  sequentialPerSecond: number;
  /** `window` publishes in flight. */
  windowedPerSecond: number;
  window: number;
}

/** Raw nats.js JetStream publishing of `messages` probe-sized messages, both ways, on a stream of its own. */
export async function measureRawPublish(nc: NatsConnection, o: { messages: number; window: number }): Promise<RawPublishResult> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['benchraw.>'], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: 2 * 60 * 1_000_000_000 });
  const js = jetstream(nc);
  const body = probePayload(randomUUID());
  try {
    let t = performance.now();
    for (let i = 0; i < o.messages; i++) await js.publish('benchraw.seq', body, { msgID: randomUUID() });
    const sequentialPerSecond = o.messages / ((performance.now() - t) / 1000);

    t = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < o.messages) {
        next++;
        await js.publish('benchraw.win', body, { msgID: randomUUID() });
      }
    };
    await Promise.all(Array.from({ length: o.window }, lane));
    const windowedPerSecond = o.messages / ((performance.now() - t) / 1000);
    return { sequentialPerSecond, windowedPerSecond, window: o.window };
  } finally {
    await jsm.streams.delete('BENCH_RAW').catch(() => undefined);
  }
}
