// Scratch (perf-events, issue 13): the running outbox relay publishing N committed rows, beside raw nats.js
// publishing (awaited one by one, and all in flight), interleaved rounds; and the pick-up delay from a
// commit to the message. BASE=<a built older checkout> adds that checkout's relay (dist/platform/outbox.js).
//   N=2000 ROUNDS=3 [BASE=/path/to/old/checkout] npx tsx scripts/relay-bench-scratch.ts
// Needs nats-server on PATH and PostgreSQL at PG (default postgresql://postgres@127.0.0.1:5432/postgres).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { openDatabase } from '../platform/database';
import { createEnvelope, defineEvent } from '../platform/events';
import { createLogger } from '../platform/logger';
import { ensureStream } from '../platform/nats';
import { OutboxRelay as NewRelay } from '../platform/outbox';
import { PgOutboxListener } from '../platform/outbox-listener';
import { platformSqlFor } from '../platform/sql-dialect';
import { createDeliveryClient } from '../subgraphs/delivery/db';
import { freePort } from './lib/ports';
import { z } from 'zod';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OldRelay = process.env.BASE ? require(resolve(process.env.BASE, 'dist/platform/outbox.js')).OutboxRelay : undefined;
const PG = process.env.PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const N = Number(process.env.N ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const E = defineEvent({ context: 'delivery', name: 'bench-happened', version: 1, data: z.object({ orderId: z.string(), n: z.number() }) });
const log = createLogger('bench', { LOG_LEVEL: 'silent' });

async function main() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'og-relay-bench-'));
  const nats = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  const dbName = `og_relaybench_${Date.now()}`;
  await admin.query(`CREATE DATABASE "${dbName}"`);
  try {
    await new Promise((r) => setTimeout(r, 800));
    const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, 'delivery');
    const opened = await openDatabase({ context: 'delivery', url: Object.assign(new URL(PG), { pathname: `/${dbName}` }).toString(), dataDir: dir, migrationsDir: resolve(__dirname, '../prisma/delivery/migrations'), createClient: createDeliveryClient });
    const db = opened.client;
    const dbUrl = Object.assign(new URL(PG), { pathname: `/${dbName}` }).toString();
    // This branch's relay LISTENs (as services on a PostgreSQL server do) unless LISTEN=0; the base relay ignores the option.
    const listenerFor = () => (process.env.LISTEN === '0' ? undefined : new PgOutboxListener(dbUrl, log));
    const BATCH = process.env.BATCH ? Number(process.env.BATCH) : undefined;
    const fill = async () => {
      const rows = Array.from({ length: N }, (_, i) => createEnvelope(E, { orderId: `o-${i % 50}`, n: i }, { correlationId: `o-${i % 50}` }));
      for (let i = 0; i < rows.length; i += 500) {
        await db.$transaction(async (tx) => {
          for (const env of rows.slice(i, i + 500)) await platformSqlFor(tx).insertOutbox(tx, { id: env.id, subject: E.subject, stream: E.stream, payload: JSON.stringify(env), correlationId: env.correlationId });
        }, { timeout: 120_000 });
      }
    };
    const relays = [...(OldRelay ? [['relay (base)', OldRelay] as const] : []), ['relay (this branch)', NewRelay] as const];
    const cpu = (since?: NodeJS.CpuUsage) => process.cpuUsage(since);
    const results: Record<string, number[]> = { 'relay (base)': [], 'relay (this branch)': [], 'nats.js awaited one by one': [], 'nats.js all in flight': [] };
    const cpuPer: Record<string, number[]> = { 'relay (base)': [], 'relay (this branch)': [], 'nats.js awaited one by one': [], 'nats.js all in flight': [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, Relay] of relays) {
        await fill();
        const relay = new Relay(db, js, log, { pollMs: 60_000, batchSize: BATCH, listener: listenerFor() });
        const c0 = cpu();
        const t0 = performance.now();
        // Running, as in a service (a hand-driven stopped relay of the base returns after each row).
        relay.start();
        while ((await relay.backlog()).unsent > 0) await new Promise((res) => setTimeout(res, 10));
        const ms = performance.now() - t0;
        const c = cpu(c0);
        await relay.stop();
        results[name].push((N / ms) * 1000);
        cpuPer[name].push((c.user + c.system) / 1000 / N);
      }
      const body = JSON.stringify(createEnvelope(E, { orderId: 'x', n: 0 }, { correlationId: 'x' }));
      {
        const c0 = cpu();
        const t0 = performance.now();
        for (let i = 0; i < N; i++) await js.publish(E.subject, body, { msgID: `${r}-a-${i}` });
        const ms = performance.now() - t0;
        const c = cpu(c0);
        results['nats.js awaited one by one'].push((N / ms) * 1000);
        cpuPer['nats.js awaited one by one'].push((c.user + c.system) / 1000 / N);
      }
      {
        const c0 = cpu();
        const t0 = performance.now();
        await Promise.all(Array.from({ length: N }, (_, i) => js.publish(E.subject, body, { msgID: `${r}-b-${i}` })));
        const ms = performance.now() - t0;
        const c = cpu(c0);
        results['nats.js all in flight'].push((N / ms) * 1000);
        cpuPer['nats.js all in flight'].push((c.user + c.system) / 1000 / N);
      }
    }
    // Pick-up: a committed row (woken as the services do, notify() after commit) until its message arrives on the subject.
    // Pick-up, two ways: the service's own commit (then notify(), as services do), and a commit from another
    // connection (another process: a replica, a script) that calls nothing, which only a poll or LISTEN finds.
    const pickup: Record<string, number[]> = {};
    const sub = nc.subscribe(E.subject);
    const arrived = new Map<string, (t: number) => void>();
    void (async () => {
      for await (const m of sub) arrived.get(m.headers?.get('Nats-Msg-Id') ?? '')?.(performance.now());
    })();
    const elsewhere = new pg.Client({ connectionString: dbUrl });
    await elsewhere.connect();
    const PROBES = Number(process.env.PROBES ?? 50);
    for (const [name, Relay] of relays) {
      const relay = new Relay(db, js, log, { pollMs: 1000, batchSize: BATCH, listener: listenerFor() });
      relay.start();
      await new Promise((res) => setTimeout(res, 200));
      for (const how of ['own commit + notify()', 'commit elsewhere'] as const) {
        const key = `${name}, ${how}`;
        pickup[key] = [];
        for (let i = 0; i < PROBES; i++) {
          const env = createEnvelope(E, { orderId: 'p', n: i }, { correlationId: 'p' });
          const got = new Promise<number>((res) => arrived.set(env.id, res));
          if (how === 'own commit + notify()') {
            await db.$transaction((tx) => platformSqlFor(tx).insertOutbox(tx, { id: env.id, subject: E.subject, stream: E.stream, payload: JSON.stringify(env), correlationId: 'p' }));
          } else {
            await elsewhere.query(`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId") VALUES ($1, $2, $3, $4::jsonb, 'p')`, [env.id, E.subject, E.stream, JSON.stringify(env)]);
          }
          const committed = performance.now();
          if (how === 'own commit + notify()') relay.notify();
          pickup[key].push((await got) - committed);
          await new Promise((res) => setTimeout(res, 10));
        }
      }
      await relay.stop();
    }
    await elsewhere.end();
    sub.unsubscribe();
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(`outbox relay vs raw nats.js: ${N} events per run, ${ROUNDS} interleaved rounds, medians (this process's CPU only; PostgreSQL and nats-server not counted)`);
    for (const k of Object.keys(results).filter((k) => results[k].length > 0)) console.log(`  ${k.padEnd(28)} ${med(results[k]).toFixed(0).padStart(7)} events/s   ${med(cpuPer[k]).toFixed(3)} ms CPU/event   runs: ${results[k].map((x) => x.toFixed(0)).join(', ')}`);
    const p = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.ceil(q * a.length) - 1)];
    for (const k of Object.keys(pickup).filter((k) => pickup[k].length > 0)) console.log(`  pick-up after commit, ${k.padEnd(42)} p50 ${p(pickup[k], 0.5).toFixed(1)} ms, p99 ${p(pickup[k], 0.99).toFixed(1)} ms (${pickup[k].length} single commits)`);
    await opened.close();
    await nc.close();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
    nats.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
main().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
