// How long a context takes to become ready when it (re)starts with a backlog of events to
// catch up on (issue 12: notification took 30–65 s under load, the others 0.5–13 s).
//
//   npx tsx scripts/bench-ready-after-restart.ts [--events 3000] [--contexts notification,mypage] [--root DIR]
//
// A nats-server of its own and throwaway databases (PostgreSQL og_test_*, notification's
// SQLite file in a temp folder); N OrderPlaced events are published to ORDERING first, then
// each context starts as a real process (`--root`: another checkout's code, e.g. /work/main,
// for a before/after comparison) and the script polls every 50 ms: first answer of
// /health/live, first 200 of /health/ready, and when its `<context>--order-placed` consumer
// has nothing pending, and how many readiness probes failed after the first success while
// it caught up. It prints one row per context; compare rows of one run.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createEnvelope } from '../platform/events';
import { ensureStream } from '../platform/nats';
import { OrderPlaced } from '../subgraphs/ordering/contracts';
import { sampleOrderPlaced } from '../test/support/fixtures';
import { startNatsServer } from '../test/support/nats';
import { freePort } from '../test/support/ports';
import { createTestDatabases } from '../test/support/postgres';
import { machineLine } from './lib/isolated-stack';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '3000' },
    contexts: { type: 'string', default: 'notification,mypage' },
    root: { type: 'string', default: resolve(__dirname, '..') },
  },
});
const events = Number(values.events);
const contexts = values.contexts!.split(',');
const root = resolve(values.root!);

async function main() {
  console.log(`$ npx tsx scripts/bench-ready-after-restart.ts --events ${events} --contexts ${contexts.join(',')} --root ${root}`);
  console.log(machineLine());
  const nats = await startNatsServer();
  const dbs = await createTestDatabases(contexts);
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await ensureStream(jsm, 'ordering');
    for (let i = 0; i < events; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, events - i) }, (_, k) => {
          const env = createEnvelope(OrderPlaced, sampleOrderPlaced({ customerId: `c-bench-${(i + k) % 50}` }), { correlationId: `bench-${i + k}` });
          return js.publish(OrderPlaced.subject, JSON.stringify(env), { msgID: env.id });
        }),
      );
    }
    console.log(`published ${events} OrderPlaced events to ORDERING\n`);
    console.log('context       | live (s) | ready (s) | caught up (s) | pending when ready | failed probes after ready');
    console.log('------------- | -------- | --------- | ------------- | ------------------ | -------------------------');
    for (const context of contexts) {
      const port = await freePort();
      const started = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'subgraphs', context, 'main.ts')], {
        cwd: root,
        env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: String(port), NATS_URL: nats.url, NOTIFY_CHANNELS: 'log', ...dbs.env },
        stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'inherit'],
      });
      const at: { live?: number; ready?: number; caught?: number; pendingAtReady?: number } = {};
      /** Readiness probes that failed after the first success, during catch-up (a flapping probe). */
      let flaps = 0;
      const durable = `${context}--order-placed`;
      const pending = async () => {
        const info = await jsm.consumers.info('ORDERING', durable).catch(() => undefined);
        return info ? info.num_pending + info.num_ack_pending : undefined;
      };
      // A failure below must not leave the context running.
      const orphan = () => child.kill('SIGKILL');
      process.once('exit', orphan);
      while (at.caught === undefined || at.ready === undefined) {
        if (child.exitCode !== null) throw new Error(`${context} exited with ${child.exitCode}`);
        if (Date.now() - started > 600_000) throw new Error(`${context}: not ready and caught up within 600 s`);
        const s = (Date.now() - started) / 1000;
        const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, () => 0);
        if (at.live === undefined && (await get('/health/live')) === 200) at.live = s;
        const ready = (await get('/health/ready')) === 200;
        if (at.ready === undefined && ready) {
          at.ready = s;
          at.pendingAtReady = await pending();
        } else if (at.ready !== undefined && !ready) flaps++;
        if (at.caught === undefined && (await pending()) === 0) at.caught = s;
        await new Promise((r) => setTimeout(r, 50));
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      process.off('exit', orphan);
      const f = (n?: number) => (n === undefined ? '-' : n.toFixed(1)).padStart(8);
      console.log(`${context.padEnd(13)} | ${f(at.live)} | ${f(at.ready).padStart(9)} | ${f(at.caught).padStart(13)} | ${String(at.pendingAtReady ?? '-').padStart(18)} | ${String(flaps).padStart(25)}`);
    }
  } finally {
    await nc.close();
    await nats.stop();
    await dbs.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
