// Runs one context (or the router) on its own, in the foreground:
//   npm run service -- payment
// While `npm start` runs, it joins the same NATS and database server (from .data/runtime.json),
// so a stopped context can be started again. It says which NATS it joined, and refuses a busy
// port with one line.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { engineOfMigrations } from '../platform/database';
import { CONTEXT_NAMES, CONTEXTS, ROUTER_PORT } from '../subgraphs/registry';
import { dataDirOf, identifyNats, natsNameFor, projectRoot, readRuntime } from './lib/dev-runtime';

const names = [...CONTEXT_NAMES, 'router'];
const USAGE = `Usage: npm run service -- <${names.join('|')}>

Runs one context or the router alone, in the foreground (Ctrl-C stops it). Next to a running
npm start it joins that stack's NATS and database server; otherwise NATS_URL (default
nats://127.0.0.1:4222) and DATABASE_URL (default: an embedded PGlite folder per context).
PORT overrides its port (e.g. a second replica: PORT=4017 npm run service -- inventory).`;

const say = (msg: string) => console.error(`service: ${msg}`);
const stop = (msg: string): never => {
  console.error(`service: ${msg}`);
  process.exit(1);
};

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, host, () => s.close(() => r(true)));
  });
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (name === '--help' || name === '-h') {
    console.log(USAGE);
    return;
  }
  if (!name || !names.includes(name)) {
    console.error(USAGE);
    process.exit(2);
  }
  const dataDir = dataDirOf();
  process.env.DATA_DIR = dataDir;
  const port = Number(process.env.PORT ?? (name === 'router' ? ROUTER_PORT : CONTEXTS[name as keyof typeof CONTEXTS].port));
  const host = process.env.HOST ?? '127.0.0.1';
  if (Number.isInteger(port) && port > 0 && !(await portFree(port, host))) {
    stop(`port ${port} is in use, so ${name} cannot listen there: is it already running (npm start runs every context)? Stop that process, or choose another port: PORT=<port> npm run service -- ${name}`);
  }

  // Where the events go: NATS_URL, else the running npm start's NATS, else the default. Always said.
  const found = readRuntime(dataDir);
  const stack = found && !found.stale ? found.runtime : undefined;
  if (found?.stale) say(`${dataDir}/runtime.json is left from an npm start that is no longer running; ignoring it`);
  let source: string;
  if (process.env.NATS_URL) source = 'NATS_URL';
  else if (stack) {
    process.env.NATS_URL = stack.natsUrl;
    source = `the running npm start (pid ${stack.launcherPid})`;
  } else {
    process.env.NATS_URL = 'nats://127.0.0.1:4222';
    source = 'the default; no npm start is running (set NATS_URL to choose)';
  }
  const who = await identifyNats(process.env.NATS_URL);
  if (!who) stop(`no NATS answers at ${process.env.NATS_URL} (${source}). Start the stack with npm start, or nats-server -js, or set NATS_URL.`);
  const ours = who!.name === natsNameFor(dataDir);
  say(`joining NATS at ${process.env.NATS_URL} (${source}): server ${who!.name}, nats-server ${who!.version}${ours ? ", this folder's npm start" : ' — not started by npm start for this folder'}`);
  if (!who!.jetstream) stop(`the NATS at ${process.env.NATS_URL} has no JetStream (start nats-server with -js).`);

  const onPostgres = name !== 'router' && engineOfMigrations(join(projectRoot(), 'prisma', name, 'migrations')) === 'postgres';
  if (onPostgres && !process.env.DATABASE_URL && stack?.databaseUrl) {
    process.env.DATABASE_URL = stack.databaseUrl;
    say(`database: the running npm start's PostgreSQL at ${stack.databaseUrl} (database ordergraph_${name})`);
  }
  process.env.PORT = String(port);
  require(name === 'router' ? '../router/main' : `../subgraphs/${name}/main`);
}

main().catch((e) => stop((e as Error).message));
