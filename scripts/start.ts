// `npm start`: NATS, databases, migrations, catalog seed, every subgraph and the router,
// as separate processes, with readable progress. Ctrl-C stops everything; data stays in .data/.
//   npm start -- --skip payment      start all but payment (run it alone: npm run service -- payment)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';
import { CONTEXT_NAMES, CONTEXTS as REGISTRY, ROUTER_PORT as DEFAULT_ROUTER_PORT } from '../subgraphs/registry';

const ROOT = resolve(__dirname, '..');
const DATA_DIR = resolve(process.env.DATA_DIR ?? join(ROOT, '.data'));
const CONTEXTS = CONTEXT_NAMES.map((name) => ({ name, port: REGISTRY[name].port }));
const ROUTER_PORT = Number(process.env.PORT ?? DEFAULT_ROUTER_PORT);
const colors = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];
const ROUTER_COLOR = 31;
const paint = (code: number | string, text: string) => (process.stdout.isTTY ? `\x1b[${code}m${text}\x1b[0m` : text);
const pretty = prettyFactory({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service,time,level', hideObject: false, singleLine: true });

const children = new Map<string, ChildProcess>();
let natsProc: ChildProcess | undefined;
/** nats-server's monitoring endpoint (JSON: /varz, /jsz, /connz), when this launcher started it. */
let natsMonitorUrl: string | undefined;
let shuttingDown = false;

const say = (msg: string) => console.log(`${paint(1, '▸')} ${msg}`);
const fail = (msg: string): never => {
  console.error(paint(31, `✖ ${msg}`));
  void shutdown(1);
  throw new Error(msg);
};

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

async function waitReady(url: string, name: string, proc?: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (proc && proc.exitCode !== null) fail(`${name} exited during start-up (code ${proc.exitCode}); its log is above.`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${name} was not ready after ${timeoutMs / 1000} s (${url}).`);
}

async function startNats(): Promise<string> {
  if (process.env.NATS_URL) {
    say(`NATS: using NATS_URL=${process.env.NATS_URL}`);
    return process.env.NATS_URL;
  }
  if (spawnSync('nats-server', ['--version']).error) {
    fail(
      'nats-server was not found on PATH, and NATS_URL is not set.\n' +
        '  Install it:  Debian/Ubuntu: sudo apt-get install nats-server   ·   macOS: brew install nats-server\n' +
        '  or point ordergraph at a running server with JetStream:  NATS_URL=nats://host:4222 npm start',
    );
  }
  const wanted = Number(process.env.NATS_PORT ?? 4222);
  const port = (await portFree(wanted)) ? wanted : await freePort();
  const wantedMonitor = Number(process.env.NATS_MONITOR_PORT ?? 8222);
  const monitorPort = (await portFree(wantedMonitor)) ? wantedMonitor : await freePort();
  natsMonitorUrl = `http://127.0.0.1:${monitorPort}`;
  const dir = join(DATA_DIR, 'nats');
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(DATA_DIR, 'nats.log'), 'a');
  natsProc = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort)], { stdio: ['ignore', log, log] });
  const url = `nats://127.0.0.1:${port}`;
  const start = Date.now();
  while (await portFree(port)) {
    if (natsProc.exitCode !== null) fail(`nats-server exited (code ${natsProc.exitCode}); see ${join(DATA_DIR, 'nats.log')}`);
    if (Date.now() - start > 15_000) fail('nats-server did not start listening within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`NATS: started nats-server with JetStream on ${url}${port !== wanted ? ` (port ${wanted} was taken)` : ''}, data in ${dir}`);
  return url;
}

function launch(name: string, entry: string, env: NodeJS.ProcessEnv, color: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = `${paint(color, name.padEnd(8))} │ `;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (line.includes('Unknown user config "nodedir"')) return;
      const out = line.startsWith('{') ? pretty(line).trimEnd() : line;
      console.log(tag + out);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!shuttingDown) {
      console.log(`${tag}${paint(31, `exited (${signal ?? `code ${code}`}).`)} The rest keeps running. Start it again alone with:  npm run service -- ${name}`);
    }
  });
  children.set(name, child);
  return child;
}

async function shutdown(code = 0): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('\n▸ stopping…');
  const order = ['router', ...CONTEXTS.map((c) => c.name).reverse()];
  for (const name of order) {
    const child = children.get(name);
    if (!child) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 12_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (natsProc && natsProc.exitCode === null) {
    const exited = new Promise((r) => natsProc!.once('exit', r));
    natsProc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  console.log(`▸ stopped. Data kept in ${DATA_DIR} for the next start.`);
  process.exit(code);
}

async function main(): Promise<void> {
  const skipArg = process.argv.indexOf('--skip');
  const skip = new Set(skipArg > 0 ? (process.argv[skipArg + 1] ?? '').split(',') : []);
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  mkdirSync(DATA_DIR, { recursive: true });

  console.log(paint(1, 'ordergraph') + ' — starting (first start applies migrations and seeds the catalog)\n');
  for (const port of [ROUTER_PORT, ...CONTEXTS.map((c) => c.port)]) {
    if (!(await portFree(port))) fail(`Port ${port} is in use. Is ordergraph already running? (stop it, or free the port)`);
  }
  const natsUrl = await startNats();
  const dbNote =
    (process.env.DATABASE_URL ? `PostgreSQL at DATABASE_URL (one database per context)` : `embedded PGlite per context under ${DATA_DIR}/<context>/pg`) +
    (process.env.DATABASE_URL_NOTIFICATION ? '' : `; notification: SQLite at ${DATA_DIR}/notification/notification.db`);
  say(`databases: ${dbNote}`);
  writeFileSync(join(DATA_DIR, 'runtime.json'), JSON.stringify({ natsUrl, startedAt: new Date().toISOString() }, null, 2));

  const common = { NATS_URL: natsUrl, DATA_DIR, PAYMENT_URL: process.env.PAYMENT_URL ?? `http://127.0.0.1:${REGISTRY.payment.port}` };
  const started = Date.now();
  await Promise.all(
    CONTEXTS.filter((c) => !skip.has(c.name)).map(async (c, i) => {
      const proc = launch(c.name, `subgraphs/${c.name}/main.ts`, { ...common, PORT: String(c.port) }, colors[i % colors.length]);
      await waitReady(`http://127.0.0.1:${c.port}/health/ready`, c.name, proc);
      say(`${c.name} ready on http://127.0.0.1:${c.port}/graphql (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }),
  );
  // The router reads ordering's events for subscriptions, and keeps its development JWT key pair under DATA_DIR.
  const router = launch('router', 'router/main.ts', { PORT: String(ROUTER_PORT), NATS_URL: natsUrl, DATA_DIR }, ROUTER_COLOR);
  // Ready: supergraph loaded and NATS connected (the router listens, live, before that).
  await waitReady(`http://127.0.0.1:${ROUTER_PORT}/health/ready`, 'router', router);

  console.log(`
${paint(1, '✔ ordergraph is running')} (${((Date.now() - started) / 1000).toFixed(1)} s)
  GraphQL + Apollo Sandbox   http://localhost:${ROUTER_PORT}/graphql   (subscriptions: ws://localhost:${ROUTER_PORT}/graphql)
  order tracker page         http://localhost:${ROUTER_PORT}/tracker
  a token                    npm run token -- --role customer --sub c-33   (Authorization: Bearer <token>)
  health                     http://localhost:${ROUTER_PORT}/health/ready
  NATS                       ${natsUrl}${natsMonitorUrl ? `   (monitoring: ${natsMonitorUrl}/varz, /jsz)` : ''}
  metrics (Prometheus)       router http://localhost:${ROUTER_PORT}/metrics
${CONTEXTS.filter((c) => children.has(c.name)).map((c) => `                             ${c.name.padEnd(12)} http://127.0.0.1:${c.port}/metrics`).join('\n')}
  data                       ${DATA_DIR}
  Try the bakery scenario from README.md. Stop one context to experiment:  kill <pid>  ·  start it again:  npm run service -- <name>
  pids: ${[...children.entries()].map(([n, c]) => `${n}=${c.pid}`).join(' ')}
  Ctrl-C stops everything.
`);
}

main().catch((e) => {
  if (!shuttingDown) console.error(e);
});
