// `npm start`: NATS, a database server, every context and the router as separate processes,
// all started at once, with readable progress. Runs compiled JavaScript from dist/ (scripts/run.mjs
// builds what changed first). SIGINT, SIGTERM or SIGHUP to this process stops every child;
// data stays in .data/ for the next start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { prettyFactory } from 'pino-pretty';
import { CONTEXT_NAMES, CONTEXTS as REGISTRY, ROUTER_PORT as DEFAULT_ROUTER_PORT } from '../subgraphs/registry';
import { dataDirOf, identifyNats, natsNameFor, projectRoot, removeRuntime, writeRuntime } from './lib/dev-runtime';
import { nativeDir, startEmbeddedPostgres, type EmbeddedPostgres } from './lib/embedded-postgres';

const USAGE = `Usage: npm start [-- options]

Starts ordergraph on this machine: a nats-server with JetStream, a PostgreSQL server (embedded,
from npm) holding one database per context, every context and the router, each as its own
process, and prints where everything is. Ctrl-C (or SIGTERM to this process) stops it all;
data stays in .data/ (DATA_DIR) for the next start.

Options:
  --skip <a,b>   start all contexts but these (start one alone later: npm run service -- <name>)
  --port-base N  router on port N, contexts on N+1… in registry order (default ${DEFAULT_ROUTER_PORT}: a second stack beside the first)
  -h, --help     print this and start nothing

Contexts: ${CONTEXT_NAMES.join(', ')}

Environment (README "Configuration" lists every setting):
  NATS_URL       join this NATS (with JetStream) instead of starting nats-server
  NATS_PORT      port for the nats-server it starts (default 4222; a free one when taken)
  DATABASE_URL   a PostgreSQL server for every context instead of the embedded one
  START_DB       postgres (default: the embedded PostgreSQL server) or pglite (a PGlite folder per context)
  DATA_DIR       where data, logs and the development JWT key pair live (default .data)
  PORT           the router's port (default ${DEFAULT_ROUTER_PORT}); contexts use ${CONTEXT_NAMES.map((c) => REGISTRY[c].port).join(', ')}`;

const ROOT = projectRoot();
const DIST = join(ROOT, 'dist');
const DATA_DIR = dataDirOf();
const colors = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];
const ROUTER_COLOR = 31;
const tty = process.stdout.isTTY;
const paint = (code: number | string, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const pretty = prettyFactory({ colorize: tty, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service,time,level', hideObject: false, singleLine: true });
/** Seconds since this process started (the launcher's own start-up and the build included). */
const elapsed = () => (performance.now() / 1000).toFixed(1);

const children = new Map<string, ChildProcess>();
let natsProc: ChildProcess | undefined;
/** nats-server's monitoring endpoint (JSON: /varz, /jsz, /connz), when this launcher started it. */
let natsMonitorUrl: string | undefined;
let postgres: EmbeddedPostgres | undefined;
let shuttingDown: Promise<void> | undefined;

const say = (msg: string) => console.log(`${paint(1, '▸')} ${msg}`);

/** Stops with a clear message (no stack): what a user can act on. */
class StartError extends Error {}
const fail = (msg: string): never => {
  throw new StartError(msg);
};

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

async function waitReady(url: string, name: string, proc: ChildProcess, timeoutMs = 300_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (proc.exitCode !== null || proc.signalCode !== null) fail(`${name} exited during start-up (${proc.signalCode ?? `code ${proc.exitCode}`}); its log is above.`);
    if (await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  fail(`${name} was not ready after ${timeoutMs / 1000} s (${url}).`);
}

/** NATS_URL, else our own nats-server: on NATS_PORT (4222) unless another server holds it, which is said plainly. */
async function startNats(): Promise<{ url: string; name?: string }> {
  if (process.env.NATS_URL) {
    const who = await identifyNats(process.env.NATS_URL);
    if (!who) fail(`No NATS answers at NATS_URL=${process.env.NATS_URL}. Start it, or unset NATS_URL to let npm start run its own nats-server.`);
    if (!who!.jetstream) fail(`The NATS at NATS_URL=${process.env.NATS_URL} (${who!.name}) has no JetStream: start it with -js.`);
    say(`NATS: joined NATS_URL=${process.env.NATS_URL} (server ${who!.name}, nats-server ${who!.version})`);
    return { url: process.env.NATS_URL, name: who!.name };
  }
  if (spawnSync('nats-server', ['--version']).error) {
    fail(
      'nats-server was not found on PATH, and NATS_URL is not set.\n' +
        '  Install it:  Debian/Ubuntu: sudo apt-get install nats-server   ·   macOS: brew install nats-server\n' +
        '  or point ordergraph at a running server with JetStream:  NATS_URL=nats://host:4222 npm start',
    );
  }
  const name = natsNameFor(DATA_DIR);
  const wanted = Number(process.env.NATS_PORT ?? 4222);
  let port = wanted;
  let why = '';
  if (!(await portFree(wanted))) {
    const who = await identifyNats(`nats://127.0.0.1:${wanted}`);
    if (who?.name === name) {
      // Ours, left running by a launcher that was killed: same store folder, so join it.
      say(`NATS: a nats-server of an earlier npm start on ${DATA_DIR} still runs on :${wanted}; joining it (stop it with: pkill -f "server_name ${name}")`);
      return { url: `nats://127.0.0.1:${wanted}`, name };
    }
    port = await freePort();
    why = who
      ? ` — port ${wanted} has another NATS (server ${who.name}, nats-server ${who.version}) that is not this stack's, so ordergraph runs its own beside it; services started alone find it in ${join(DATA_DIR, 'runtime.json')}`
      : ` — port ${wanted} is taken by something that is not NATS`;
  }
  const wantedMonitor = Number(process.env.NATS_MONITOR_PORT ?? 8222);
  const monitorPort = (await portFree(wantedMonitor)) ? wantedMonitor : await freePort();
  natsMonitorUrl = `http://127.0.0.1:${monitorPort}`;
  const dir = join(DATA_DIR, 'nats');
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(DATA_DIR, 'nats.log'), 'a');
  natsProc = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '--server_name', name], { stdio: ['ignore', log, log] });
  const url = `nats://127.0.0.1:${port}`;
  const start = Date.now();
  while (await portFree(port)) {
    if (natsProc.exitCode !== null) fail(`nats-server exited (code ${natsProc.exitCode}); see ${join(DATA_DIR, 'nats.log')}`);
    if (Date.now() - start > 15_000) fail('nats-server did not start listening within 15 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  say(`NATS: started nats-server with JetStream on ${url}${why}`);
  return { url, name };
}

/**
 * The databases: DATABASE_URL when set; else one embedded PostgreSQL server (npm
 * embedded-postgres) in DATA_DIR/postgres with a database per context; else (START_DB=pglite, or
 * no binaries for this platform) a PGlite folder per context. Notification keeps its SQLite file.
 */
async function startDatabase(): Promise<{ databaseUrl?: string; note: string }> {
  const sqlite = process.env.DATABASE_URL_NOTIFICATION ? '' : `; notification: SQLite at ${join(DATA_DIR, 'notification', 'notification.db')}`;
  if (process.env.DATABASE_URL) return { databaseUrl: process.env.DATABASE_URL, note: `PostgreSQL at DATABASE_URL (one database per context)${sqlite}` };
  const pglite = { note: `PGlite per context under ${DATA_DIR}/<context>/pg${sqlite}` };
  if (process.env.START_DB === 'pglite') return pglite;
  if (process.env.START_DB && process.env.START_DB !== 'postgres') fail(`START_DB=${process.env.START_DB}: use postgres (the default) or pglite.`);
  if (!nativeDir()) {
    say('the embedded PostgreSQL has no binaries for this platform: using PGlite per context (slower to start)');
    return pglite;
  }
  const dir = join(DATA_DIR, 'postgres');
  const older = CONTEXT_NAMES.filter((c) => existsSync(join(DATA_DIR, c, 'pg')));
  if (older.length > 0 && !existsSync(join(dir, 'data'))) {
    say(`note: earlier data of ${older.join(', ')} is in PGlite folders (${DATA_DIR}/<context>/pg); this start uses a fresh PostgreSQL server. START_DB=pglite npm start uses the old folders.`);
  }
  postgres = await startEmbeddedPostgres({ dir });
  return { databaseUrl: postgres.url, note: `PostgreSQL ${postgres.created ? '(new) ' : ''}at ${postgres.url}, databases ordergraph_<context>, data in ${join(dir, 'data')}${sqlite}` };
}

function launch(name: string, entry: string, env: NodeJS.ProcessEnv, color: number): ChildProcess {
  const child = spawn(process.execPath, [join(DIST, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = `${paint(color, name.padEnd(12))} │ `;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
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

/** Stops a child with SIGTERM (it drains), SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const late = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(late);
}

/** Router first (no new requests), then every context at once, then NATS and the database. Safe to call again. */
function shutdown(code: number): Promise<void> {
  return (shuttingDown ??= (async () => {
    const started = children.size > 0 || natsProc !== undefined || postgres !== undefined;
    if (started) console.log('\n▸ stopping…');
    const router = children.get('router');
    if (router) await stopChild(router, 12_000);
    await Promise.all([...children.values()].map((c) => stopChild(c, 12_000)));
    if (natsProc) await stopChild(natsProc, 5000);
    await postgres?.stop();
    if (started) {
      removeRuntime(DATA_DIR);
      console.log(`▸ stopped. Data kept in ${DATA_DIR} for the next start.`);
    }
    process.exit(code);
  })());
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { skip: { type: 'string' }, 'port-base': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const skip = new Set((values.skip ?? '').split(',').filter(Boolean));
  const unknown = [...skip].filter((s) => !(CONTEXT_NAMES as string[]).includes(s));
  if (unknown.length) fail(`--skip ${unknown.join(',')}: not a context (contexts: ${CONTEXT_NAMES.join(', ')})`);
  const contexts = CONTEXT_NAMES.filter((c) => !skip.has(c));
  const base = values['port-base'] === undefined ? undefined : Number(values['port-base']);
  if (base !== undefined && !(Number.isInteger(base) && base > 0 && base + CONTEXT_NAMES.length <= 65535)) fail(`--port-base ${values['port-base']}: a port number, with room for ${CONTEXT_NAMES.length} more after it`);
  const ROUTER_PORT = base ?? Number(process.env.PORT ?? DEFAULT_ROUTER_PORT);
  const portOf = (c: (typeof CONTEXT_NAMES)[number]) => (base === undefined ? REGISTRY[c].port : base + REGISTRY[c].port - DEFAULT_ROUTER_PORT);

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A second Ctrl-C while stopping: stop now.
      if (shuttingDown) {
        for (const c of [...children.values(), ...(natsProc ? [natsProc] : [])]) c.kill('SIGKILL');
        process.exit(130);
      }
      void shutdown(0);
    });
  }
  mkdirSync(DATA_DIR, { recursive: true });
  if (!existsSync(join(DIST, 'router', 'main.js'))) fail('dist/ is missing: start with npm start (it builds first), or run npm run build.');

  console.log(`${paint(1, 'ordergraph')} — starting ${contexts.length} contexts and the router (a first start creates the databases and seeds the catalog)\n`);
  for (const port of [ROUTER_PORT, ...contexts.map(portOf)]) {
    if (!(await portFree(port))) fail(`Port ${port} is in use. Is ordergraph already running? (stop it, or free the port)`);
  }
  const [nats, db] = await Promise.all([startNats(), startDatabase()]);
  say(`databases: ${db.note}`);

  const common: NodeJS.ProcessEnv = {
    NATS_URL: nats.url,
    DATA_DIR,
    PAYMENT_URL: process.env.PAYMENT_URL ?? `http://127.0.0.1:${portOf('payment')}`,
    NOTIFICATION_URL: process.env.NOTIFICATION_URL ?? `http://127.0.0.1:${portOf('notification')}`,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
  // Everything at once: the router needs no subgraph to start (its supergraph is composed
  // statically) and only NATS for subscriptions; contexts wait for nothing but NATS and their database.
  const subgraphUrls = base === undefined ? {} : Object.fromEntries(CONTEXT_NAMES.map((c) => [`SUBGRAPH_URL_${c.toUpperCase()}`, `http://127.0.0.1:${portOf(c)}/graphql`]));
  const router = launch('router', 'router/main.js', { PORT: String(ROUTER_PORT), NATS_URL: nats.url, DATA_DIR, ...subgraphUrls }, ROUTER_COLOR);
  await Promise.all([
    ...contexts.map(async (c, i) => {
      const proc = launch(c, `subgraphs/${c}/main.js`, { ...common, PORT: String(portOf(c)) }, colors[i % colors.length]);
      await waitReady(`http://127.0.0.1:${portOf(c)}/health/ready`, c, proc);
      say(`${c.padEnd(12)} ready on http://127.0.0.1:${portOf(c)}/graphql (${elapsed()} s)`);
    }),
    waitReady(`http://127.0.0.1:${ROUTER_PORT}/health/ready`, 'router', router).then(() => say(`${'router'.padEnd(12)} up on http://localhost:${ROUTER_PORT}/graphql (${elapsed()} s)`)),
  ]);
  writeRuntime(DATA_DIR, { natsUrl: nats.url, natsName: nats.name, databaseUrl: db.databaseUrl, launcherPid: process.pid, startedAt: new Date().toISOString() });

  console.log(`
${paint(1, `✔ ordergraph is running — ready in ${elapsed()} s`)}${skip.size ? ` (without ${[...skip].join(', ')})` : ''}
  GraphQL + Apollo Sandbox   http://localhost:${ROUTER_PORT}/graphql   (subscriptions: ws://localhost:${ROUTER_PORT}/graphql)
  order tracker page         http://localhost:${ROUTER_PORT}/tracker
  a token                    npm run -s token -- --role customer --sub c-33   (Authorization: Bearer <token>)
  health                     http://localhost:${ROUTER_PORT}/health/ready
  NATS                       ${nats.url}${natsMonitorUrl ? `   (monitoring: ${natsMonitorUrl}/varz, /jsz)` : ''}
  metrics (Prometheus)       router http://localhost:${ROUTER_PORT}/metrics
${contexts.map((c) => `                             ${c.padEnd(12)} http://127.0.0.1:${portOf(c)}/metrics`).join('\n')}
  databases                  ${db.databaseUrl ?? 'PGlite per context'}
  data                       ${DATA_DIR}
  Try the bakery scenario from README.md. Stop one context to experiment:  kill <pid>  ·  start it again:  npm run service -- <name>
  pids: ${[...children.entries()].map(([n, c]) => `${n}=${c.pid}`).join(' ')}
  servers: ${[natsProc ? `nats-server=${natsProc.pid}` : '', postgres ? `postgres=${postgres.pid}` : ''].filter(Boolean).join(' ') || 'none started here'}
  Ctrl-C stops everything.
`);
}

main().catch((e) => {
  if (shuttingDown) return;
  if (e instanceof StartError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(paint(31, `✖ ${(e as Error).message}`));
    if (!(e instanceof StartError)) console.error(USAGE);
  } else {
    console.error(paint(31, `✖ start-up failed: ${(e as Error).message}`));
  }
  void shutdown(1);
});
