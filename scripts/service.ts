// Runs one context (or the router) on its own, in the foreground:
//   npm run service -- payment
// While `npm start` runs, it joins the same NATS (read from .data/runtime.json) and
// uses the same embedded database, so a stopped context can be started again.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
import { CONTEXT_NAMES, CONTEXTS, ROUTER_PORT } from '../subgraphs/registry';

const names = [...CONTEXT_NAMES, 'router'];
const name = process.argv[2];
if (!name || !names.includes(name)) {
  console.error(`usage: npm run service -- <${names.join('|')}>`);
  process.exit(2);
}
const dataDir = resolve(process.env.DATA_DIR ?? join(ROOT, '.data'));
const runtime = join(dataDir, 'runtime.json');
if (!process.env.NATS_URL && existsSync(runtime)) process.env.NATS_URL = (JSON.parse(readFileSync(runtime, 'utf8')) as { natsUrl: string }).natsUrl;
process.env.DATA_DIR = dataDir;
process.env.PORT ??= String(name === 'router' ? ROUTER_PORT : CONTEXTS[name as keyof typeof CONTEXTS].port);
require(name === 'router' ? '../router/main' : `../subgraphs/${name}/main`);
