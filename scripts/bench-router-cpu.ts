// The router's CPU per 1 000 requests (issue 13, point 3), variants side by side in one run:
//
//   node scripts/build.mjs && npx tsx scripts/bench-router-cpu.ts [--quick] [--before /path/to/other/dist] [--profile DIR]
//
// Starts its own nats-server and one catalog process (embedded database, temporary DATA_DIR),
// and one router process per variant over that catalog: `after` (this build, defaults:
// in-flight dedupe and the JWT cache on), `no-dedupe` (ROUTER_DEDUPE=off), `no-caches`
// (ROUTER_DEDUPE=off, JWT_CACHE_SIZE=0) and, with --before, the router of another build
// (e.g. main's dist/ before these changes). Each workload runs against each variant in turn,
// round after round (interleaved, so a busy machine slows every variant alike; the first
// round warms up and is not counted), with autocannon in this process. It reads each
// process's CPU time (user + system) from /proc before and after, so the figures are CPU,
// not wall time: on a shared machine the ratios between variants of one run mean something,
// the requests per second do not. With --profile DIR each router's measured rounds are also
// recorded with V8's sampling profiler (through the inspector protocol, `--inspect` on a free
// port: no preload needed) into DIR/<variant>-<workload>.cpuprofile, and the heaviest
// packages and functions are printed.
//
// Workloads: `same-token` (every request the same customer and query: what in-flight dedupe
// can share) and `many-tokens` (each request one of 1 000 customers at random: little to share,
// since identities never share; the transport, JWT cache and guard cache still count). With
// --profile the catalog subgraph is profiled too, over all measured rounds (catalog.cpuprofile).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { devKeyFileIn, loadOrCreateDevKeys, signToken } from '../router/auth';
import { cpuSeconds, httpOk, machineLine, say } from './lib/isolated-stack';
import { freePort } from './lib/ports';

interface AutocannonResult {
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
  duration: number;
}
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const ROOT = resolve(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    before: { type: 'string' },
    profile: { type: 'string' },
    requests: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '20' },
  },
});
const requests = Number(args.requests ?? (args.quick ? 500 : 5000));
const rounds = Number(args.rounds ?? (args.quick ? 2 : 4));
const connections = Number(args.connections);
const QUERY = '{ stores { id name kind } }';

interface Proc {
  name: string;
  proc: ChildProcess;
  url: string;
  inspectPort?: number;
}
const procs: Proc[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'og-router-cpu-'));
process.on('exit', () => {
  for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

async function waitUntil(p: Proc, probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await probe().catch(() => false))) {
    if (p.proc.exitCode !== null) throw new Error(`${p.name} exited (${p.proc.exitCode}) before being ${what}`);
    if (Date.now() > deadline) throw new Error(`${p.name} not ${what} after 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function launch(name: string, args: string[], env: NodeJS.ProcessEnv, url: string, inspectPort?: number): Proc {
  const proc = spawn(process.execPath, [...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : []), ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const p = { name, proc, url, inspectPort };
  procs.push(p);
  return p;
}

/** V8's sampling profiler in another process, over the inspector protocol. */
async function profilerOf(port: number) {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  let id = 0;
  const pending = new Map<number, (v: any) => void>();
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const post = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((r) => {
      pending.set(++id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  return { start: () => post('Profiler.start'), stop: async () => (await post('Profiler.stop')).profile, close: () => ws.close() };
}

/** Self time by package (node_modules/<pkg>), project file or Node internals, and the top frames. */
function summarize(profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[] }, top = 12): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const groups = new Map<string, number>();
  const frames = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') continue;
    busy++;
    const url = cf.url.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const group = pkg ?? (url.includes('/dist/') ? `dist/${url.replace(/^.*\/dist\//, '')}` : url.startsWith('node:') ? 'node internals' : `(${cf.functionName || 'native'})`);
    groups.set(group, (groups.get(group) ?? 0) + 1);
    const frame = `${cf.functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '')}:${cf.lineNumber + 1}`;
    frames.set(frame, (frames.get(frame) ?? 0) + 1);
  }
  const pct = (n: number) => `${((100 * n) / Math.max(busy, 1)).toFixed(1).padStart(5)} %`;
  return [
    '    by package / file:',
    ...[...groups].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => `      ${pct(n)}  ${k}`),
    '    by function (self):',
    ...[...frames].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => `      ${pct(n)}  ${k}`),
  ];
}

async function main() {
  const routerJs = join(ROOT, 'dist/router/main.js');
  if (!existsSync(routerJs)) throw new Error('dist/ is missing: run `node scripts/build.mjs` first');
  if (spawnSync('nats-server', ['--version']).error) throw new Error('nats-server is not on PATH');
  const command = `npx tsx scripts/bench-router-cpu.ts ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`command: ${command}\nmachine: ${machineLine()}\nrequests per measurement: ${requests}, ${connections} connections, ${rounds} rounds (first one warm-up)`);

  const natsPort = await freePort();
  const nats = spawn('nats-server', ['-js', '-sd', join(tmp, 'nats'), '-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' });
  procs.push({ name: 'nats-server', proc: nats, url: '' });
  const common: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', HOST: '127.0.0.1', NATS_URL: `nats://127.0.0.1:${natsPort}`, DATA_DIR: tmp, APOLLO_TELEMETRY_DISABLED: 'true' };
  const keys = await loadOrCreateDevKeys(devKeyFileIn(tmp));

  const catalogPort = await freePort();
  const catalog = launch('catalog', [join(ROOT, 'dist/subgraphs/catalog/main.js')], { ...common, PORT: String(catalogPort) }, `http://127.0.0.1:${catalogPort}`, args.profile ? await freePort() : undefined);
  await waitUntil(catalog, () => httpOk(`${catalog.url}/health/ready`), 'ready');
  say(`catalog ready on :${catalogPort}`);

  const variants: Array<{ name: string; main: string; env: NodeJS.ProcessEnv }> = [
    { name: 'after', main: routerJs, env: {} },
    { name: 'no-dedupe', main: routerJs, env: { ROUTER_DEDUPE: 'off' } },
    { name: 'no-caches', main: routerJs, env: { ROUTER_DEDUPE: 'off', JWT_CACHE_SIZE: '0' } },
  ];
  if (args.before) variants.unshift({ name: 'before', main: join(resolve(args.before), 'router/main.js'), env: {} });
  const routers: Proc[] = [];
  for (const v of variants) {
    const port = await freePort();
    const r = launch(
      v.name,
      [v.main],
      { ...common, ...v.env, PORT: String(port), SUPERGRAPH_PATH: join(ROOT, 'router/supergraph.graphql'), SUBGRAPH_URL_CATALOG: `${catalog.url}/graphql` },
      `http://127.0.0.1:${port}/graphql`,
      args.profile ? await freePort() : undefined,
    );
    await waitUntil(r, () => httpOk(r.url.replace(/\/graphql$/, '/health/ready')), 'ready');
    routers.push(r);
    say(`router ${v.name} ready on :${port} (${v.main.replace(`${ROOT}/`, '')})`);
  }

  const body = JSON.stringify({ query: QUERY });
  const one = await signToken(keys.privateKey, { sub: 'c-1', role: 'customer' }, { kid: keys.kid, alg: keys.alg });
  const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => signToken(keys.privateKey, { sub: `c-${i}`, role: 'customer' }, { kid: keys.kid, alg: keys.alg })));
  const requestOf = (token: string) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const workloads = [
    { name: 'same-token', requests: [requestOf(one)] },
    // autocannon gives every connection the same sequence: a random token per request keeps connections apart.
    { name: 'many-tokens', requests: [{ ...requestOf(one), setupRequest: (req: Record<string, unknown>) => ({ ...req, ...requestOf(many[Math.floor(Math.random() * many.length)]) }) }] },
  ];

  const sample = await fetch(routers[0].url, requestOf(one));
  const answer = (await sample.json()) as { data?: { stores: unknown[] } };
  if (!answer.data?.stores?.length) throw new Error(`the query does not answer: ${JSON.stringify(answer)}`);

  const catalogProfiler = catalog.inspectPort ? await profilerOf(catalog.inspectPort) : undefined;
  type Row = { router: number[]; catalog: number[]; rps: number[]; failed: number };
  const rows = new Map<string, Row>();
  const profilers = new Map<string, Awaited<ReturnType<typeof profilerOf>>>();
  for (let round = 0; round < rounds; round++) {
    for (const w of workloads) {
      for (const r of routers) {
        const key = `${r.name} ${w.name}`;
        const profiler = round > 0 && r.inspectPort ? (profilers.get(key) ?? (await profilerOf(r.inspectPort))) : undefined;
        if (profiler) {
          profilers.set(key, profiler);
          await profiler.start();
        }
        const pids = { router: r.proc.pid!, catalog: catalog.proc.pid! };
        const before = cpuSeconds(pids);
        const result = await autocannon({ url: r.url, connections, amount: requests, requests: w.requests });
        const after = cpuSeconds(pids);
        if (profiler) {
          const profile = await profiler.stop();
          mkdirSync(args.profile!, { recursive: true });
          writeFileSync(join(args.profile!, `${r.name}-${w.name}-round${round}.cpuprofile`), JSON.stringify(profile));
          if (round === rounds - 1) {
            console.log(`  profile ${key} (last round):`);
            for (const line of summarize(profile)) console.log(line);
          }
        }
        if (round === 0) continue;
        const row = rows.get(key) ?? { router: [], catalog: [], rps: [], failed: 0 };
        const done = result.requests.total || requests;
        row.router.push(((after.router - before.router) * 1e6) / done);
        row.catalog.push(((after.catalog - before.catalog) * 1e6) / done);
        row.rps.push(result.requests.average);
        row.failed += result.non2xx + result.errors;
        rows.set(key, row);
      }
    }
    say(`round ${round + 1}/${rounds}${round === 0 ? ' (warm-up, not counted)' : ''} done`);
    if (round === 0) await catalogProfiler?.start();
  }
  if (catalogProfiler) {
    const profile = await catalogProfiler.stop();
    writeFileSync(join(args.profile!, 'catalog.cpuprofile'), JSON.stringify(profile));
    console.log('  profile catalog (every measured round):');
    for (const line of summarize(profile)) console.log(line);
    catalogProfiler.close();
  }
  for (const p of profilers.values()) p.close();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const base = (w: string) => median(rows.get(`after ${w}`)!.router);
  console.log('\n| router | workload | router CPU ms / 1 000 req | × of after | catalog CPU ms / 1 000 req | req/s (wall; shared machine) | failed |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const w of workloads) {
    for (const r of routers) {
      const row = rows.get(`${r.name} ${w.name}`)!;
      const cpu = median(row.router);
      console.log(`| ${r.name} | ${w.name} | ${cpu.toFixed(0)} | ${(cpu / base(w.name)).toFixed(2)} | ${median(row.catalog).toFixed(0)} | ${median(row.rps).toFixed(0)} | ${row.failed} |`);
    }
  }
  console.log('\nCPU = user + system time of the process (from /proc), median over the counted rounds.');
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const p of [...procs].reverse()) {
      if (p.proc.exitCode !== null) continue;
      const exited = new Promise((r) => p.proc.once('exit', r));
      p.proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    }
  });
