// An isolated ordergraph for experiments and benchmarks (scripts/experiment-breaker.ts,
// scripts/bench-push-latency.ts): its own nats-server on a free port with a temporary store,
// every context of subgraphs/registry.ts and the router as real child processes on free
// ports, a temporary DATA_DIR (each context's embedded database, the router's development
// JWT key pair) or throwaway PostgreSQL databases (--database-url). Nothing of `npm start`
// or its .data/ is touched; everything is stopped and removed at the end, on Ctrl-C, and
// (as a last resort) when the script exits without stopping.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { Actor } from '../../platform/auth';
import { engineOfMigrations } from '../../platform/database';
import { devKeyFileIn, loadOrCreateDevKeys, signToken } from '../../router/auth';
import { CONTEXT_NAMES, type ContextName } from '../../subgraphs/registry';
import { projectRoot } from './dev-runtime';
import { freePort } from './ports';

/** The project folder, whether this runs from scripts/lib/ (tsx) or dist/scripts/lib/ (the build). */
export const ROOT = projectRoot();

export const say = (msg: string) => console.log(`▸ ${msg}`);
export const secondsSince = (t: number) => ((Date.now() - t) / 1000).toFixed(1);

/** The machine, for reports: cores, model, load average now, Node. */
export const machineLine = () => `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, load average ${loadavg()[0].toFixed(2)} at start, Node ${process.version}`;

export interface StackOptions {
  /** Names the temporary folder (og-<label>-…) and the throwaway databases (og_<label>_<random>_<context>). */
  label: string;
  /** PostgreSQL server for throwaway databases; undefined: each context's embedded default. */
  databaseUrl?: string;
  /** Also write every service's output to DIR/<service>.log. */
  logDir?: string;
  /** Echo every service's log lines. */
  verbose?: boolean;
  /** Extra environment for one context (it wins over the common one), given every port. */
  contextEnv?: (name: ContextName, ports: Record<string, number>) => NodeJS.ProcessEnv | undefined;
  /** Extra environment for the router. */
  routerEnv?: NodeJS.ProcessEnv;
  /** How long each service may take to become ready at start (default 120 s; a busy machine needs more). */
  startTimeoutMs?: number;
  /** Run the compiled build (`node dist/...js`, as the image does; `npm run build` first) instead of the sources under tsx. */
  fromBuild?: boolean;
  /** Called with each output line of a service, by its name (a context, 'router', 'nats-server'). */
  onLine?: Partial<Record<string, (line: string) => void>>;
}

export interface RunningStack {
  routerUrl: string;
  /** The same endpoint for graphql-ws. */
  wsUrl: string;
  natsUrl: string;
  /** The temporary DATA_DIR every process shares. */
  dataDir: string;
  contexts: string[];
  /** Where the data lives, for reports. */
  database: string;
  ports: Record<string, number>;
  /** A bearer JWT for `actor`, signed with the development key pair the router generated in dataDir. */
  token(actor: Actor, expiresIn?: string): Promise<string>;
  /** Process ids by service name (nats-server, each context, router). */
  pids(): Record<string, number>;
  /** The environment a service (a context or 'router') was started with: to start another replica of it. */
  envOf(name: string): NodeJS.ProcessEnv;
  /** The throwaway PostgreSQL database URL of each context on PostgreSQL (empty without --database-url). */
  databaseUrls: Record<string, string>;
  /**
   * Starts one more process (a gateway to compare with, a probe) as part of this stack: same
   * logging, stopped with it. Resolves once `ready` answers true; `pids()` then lists it under `name`.
   */
  startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>): Promise<number>;
  /** Stops one process started with startProcess (SIGTERM, then SIGKILL after 12 s). */
  stopProcess(name: string): Promise<void>;
}

interface Child {
  name: string;
  proc: ChildProcess;
  /** The last lines it printed, shown when it fails. */
  tail: string[];
}


/** How often a context that exits during start-up is started in all. */
const START_ATTEMPTS = 3;

export const httpOk = (url: string) => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok);
const tcpOpen = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
  });

/** One isolated stack. `stop()` is safe at any time: before, during and after `start()`, and twice. */
export class IsolatedStack {
  private readonly children: Child[] = [];
  private tempDir?: string;
  private readonly throwawayDbs: string[] = [];
  private readonly envs: Record<string, NodeJS.ProcessEnv> = {};
  private adminUrl?: string;
  private stopping?: Promise<void>;

  constructor(private readonly o: StackOptions) {
    // Last resort when the script dies without stopping: no orphans, no temp folder left behind.
    process.on('exit', () => {
      for (const c of this.children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    });
  }

  private launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
    this.envs[name] = env;
    const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const child: Child = { name, proc, tail: [] };
    if (this.o.logDir) {
      const file = createWriteStream(join(this.o.logDir, `${name}.log`));
      proc.stdout!.pipe(file);
      proc.stderr!.pipe(file);
    }
    const onLine = this.o.onLine?.[name];
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        child.tail.push(line);
        if (child.tail.length > 40) child.tail.shift();
        onLine?.(line);
        if (this.o.verbose) console.log(`  ${name.padEnd(12)}│ ${line}`);
      });
    }
    this.children.push(child);
    return child;
  }

  async start(): Promise<RunningStack> {
    const o = this.o;
    const started = Date.now();
    if (spawnSync('nats-server', ['--version']).error) {
      throw new Error('nats-server is not on PATH (Debian/Ubuntu: sudo apt-get install nats-server · macOS: brew install nats-server).');
    }
    const tempDir = (this.tempDir = mkdtempSync(join(tmpdir(), `og-${o.label}-`)));
    if (o.logDir) {
      mkdirSync(o.logDir, { recursive: true });
      say(`services' logs: ${o.logDir}/<service>.log`);
    }

    const natsPort = await freePort();
    const nats = this.launch('nats-server', 'nats-server', ['-js', '-sd', join(tempDir, 'nats'), '-a', '127.0.0.1', '-p', String(natsPort), '-m', '0'], process.env);
    await until(nats, 'listening', () => tcpOpen(natsPort), 15_000);
    const natsUrl = `nats://127.0.0.1:${natsPort}`;
    say(`nats-server with JetStream on ${natsUrl} (store in ${join(tempDir, 'nats')})`);

    const contexts = [...CONTEXT_NAMES];
    const dbEnv: Record<string, string> = {};
    let database: string;
    if (o.databaseUrl) {
      // A fresh database per PostgreSQL context on that server, dropped at the end: never the
      // ones `npm start` uses. A context on another engine keeps its embedded default.
      const run = `og_${o.label.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
      this.adminUrl = o.databaseUrl;
      for (const c of contexts.filter((name) => engineOfMigrations(join(ROOT, 'prisma', name, 'migrations')) === 'postgres')) {
        const u = new URL(o.databaseUrl);
        u.pathname = `/${run}_${c}`;
        dbEnv[`DATABASE_URL_${c.toUpperCase()}`] = u.toString();
        this.throwawayDbs.push(`${run}_${c}`);
      }
      database = `PostgreSQL at ${new URL(o.databaseUrl).host}, throwaway databases ${run}_<context> (other engines embedded under ${tempDir})`;
    } else {
      database = `each context's embedded default under ${tempDir} (PGlite unless the context chose another engine)`;
    }
    say(`databases: ${database}`);

    const ports: Record<string, number> = Object.fromEntries(await Promise.all([...contexts, 'router'].map(async (n) => [n, await freePort()] as const)));
    // Nothing of the caller's own ordergraph settings may leak in and join its NATS or databases
    // (or make the router trust other keys than the development pair in DATA_DIR).
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(NATS_|DATABASE_URL|SUBGRAPH_URL_|PAYMENT_|NOTIFICATION_URL$|NOTIFY_|TELEGRAM_|KAKAO_|JWT_|PORT$|HOST$|DATA_DIR$|LOG_|NODE_ENV$)/.test(k)),
    );
    // The two synchronous calls between contexts go to this stack's ports, never to the defaults (`npm start`'s).
    const calls: Partial<Record<ContextName, NodeJS.ProcessEnv>> = {
      ordering: { PAYMENT_URL: `http://127.0.0.1:${ports.payment}` },
      rewards: { NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}` },
    };
    const common = { ...inherited, NATS_URL: natsUrl, DATA_DIR: tempDir, HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...dbEnv };

    say(`starting ${contexts.length} contexts as processes: ${contexts.join(', ')} (first start applies migrations)`);
    await Promise.all(
      contexts.map(async (name) => {
        const env: NodeJS.ProcessEnv = { ...common, PORT: String(ports[name]), ...calls[name], ...o.contextEnv?.(name, ports) };
        // On a saturated machine a context can give up during start-up (a NATS or database
        // request timing out): start it again, at most START_ATTEMPTS times in all.
        for (let attempt = 1; ; attempt++) {
          const child = this.launch(name, process.execPath, entryArgs(`subgraphs/${name}/main`, o.fromBuild), env);
          try {
            await until(child, 'ready', () => httpOk(`http://127.0.0.1:${ports[name]}/health/ready`), o.startTimeoutMs);
            break;
          } catch (e) {
            const exited = child.proc.exitCode !== null || child.proc.signalCode !== null;
            if (!exited || attempt >= START_ATTEMPTS || this.stopping) throw e;
            say(`${name.padEnd(12)} exited during start-up (${child.tail.at(-1) ?? 'no output'}); starting it again (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
          }
        }
        say(`${name.padEnd(12)} ready on :${ports[name]} (${secondsSince(started)} s)`);
      }),
    );

    const routerEnv: NodeJS.ProcessEnv = {
      ...common,
      PORT: String(ports.router),
      ...Object.fromEntries(contexts.map((c) => [`SUBGRAPH_URL_${c.toUpperCase()}`, `http://127.0.0.1:${ports[c]}/graphql`])),
      ...o.routerEnv,
    };
    const router = this.launch('router', process.execPath, entryArgs('router/main', o.fromBuild), routerEnv);
    // Ready, not live: the router listens (live) before its supergraph and NATS are up.
    await until(router, 'ready', () => httpOk(`http://127.0.0.1:${ports.router}/health/ready`), o.startTimeoutMs);
    const routerUrl = `http://127.0.0.1:${ports.router}/graphql`;
    say(`router       ready on ${routerUrl} (${secondsSince(started)} s)`);

    // The router generated its development key pair at start (it verifies tokens with it): sign with the same.
    const keyFile = devKeyFileIn(tempDir);
    if (!existsSync(keyFile)) throw new Error(`the router is live but its development key pair ${keyFile} is missing: cannot sign tokens for it`);
    const keys = await loadOrCreateDevKeys(keyFile);

    return {
      routerUrl,
      wsUrl: routerUrl.replace(/^http/, 'ws'),
      natsUrl,
      dataDir: tempDir,
      contexts,
      database,
      ports,
      token: (actor, expiresIn = '8h') => signToken(keys.privateKey, actor, { kid: keys.kid, alg: keys.alg, expiresIn }),
      pids: () => Object.fromEntries(this.children.filter((c) => c.proc.pid !== undefined).map((c) => [c.name, c.proc.pid!])),
      envOf: (name) => {
        const env = this.envs[name];
        if (!env) throw new Error(`no service ${name} in this stack`);
        return { ...env };
      },
      databaseUrls: Object.fromEntries(Object.entries(dbEnv).map(([k, v]) => [k.replace(/^DATABASE_URL_/, '').toLowerCase(), v])),
      startProcess: async (name, args, env, ready) => {
        const child = this.launch(name, process.execPath, args, env);
        await until(child, 'ready', ready, o.startTimeoutMs);
        return child.proc.pid!;
      },
      stopProcess: async (name) => {
        const i = this.children.findIndex((c) => c.name === name);
        if (i < 0) return;
        const [child] = this.children.splice(i, 1);
        await stopChild(child);
      },
    };
  }

  /** Router first, then the contexts together, NATS last; then the throwaway data. Safe to call twice. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      const nats = this.children.find((c) => c.name === 'nats-server');
      const router = this.children.find((c) => c.name === 'router');
      if (router) await stopChild(router);
      await Promise.all(this.children.filter((c) => c !== nats && c !== router).map((c) => stopChild(c)));
      if (nats) await stopChild(nats, 'SIGTERM', 5000);
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
      if (this.adminUrl && this.throwawayDbs.length) {
        const admin = new pg.Client({ connectionString: this.adminUrl });
        try {
          await admin.connect();
          for (const db of this.throwawayDbs) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
        } catch (e) {
          console.error(`could not drop the throwaway databases ${this.throwawayDbs.join(', ')}: ${(e as Error).message}`);
        } finally {
          await admin.end().catch(() => undefined);
        }
      }
    })());
  }
}

/** Node's arguments for an entry point (`router/main`): the build's JavaScript, or the source under tsx. */
export function entryArgs(entry: string, fromBuild = false): string[] {
  if (!fromBuild) return ['--import', 'tsx', `${entry}.ts`];
  const js = join('dist', `${entry}.js`);
  if (!existsSync(join(ROOT, js))) throw new Error(`${js} is missing: run \`npm run build\` first`);
  return [js];
}

function failed(child: Child, why: string): Error {
  return new Error(`${child.name} ${why}. Its last lines:\n${child.tail.map((l) => `    ${l}`).join('\n') || '    (nothing)'}`);
}

/** Polls `probe` until true; fails early when the child died. */
async function until(child: Child, what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) throw failed(child, `exited during start-up (${child.proc.signalCode ?? `code ${child.proc.exitCode}`})`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw failed(child, `was not ${what} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 12_000): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGKILL');
    await exited;
  }
}

/**
 * Ordering learns products from catalog events: the stack is ready once one order is PAID.
 * Places orders as customer `customer` until one is; `classify` reads the answer.
 */
export async function waitForFirstPaidOrder(
  stack: RunningStack,
  productId: string,
  started: number,
  post: (token: string) => Promise<{ paid: boolean; detail: string }>,
  timeoutMs = 60_000,
): Promise<void> {
  const token = await stack.token({ sub: 'warm-up', role: 'customer' });
  const since = Date.now();
  for (;;) {
    const r = await post(token).catch((e: Error) => ({ paid: false, detail: e.message }));
    if (r.paid) break;
    if (Date.now() - since > timeoutMs) throw new Error(`no order of ${productId} was PAID within ${timeoutMs / 1000} s of start-up (last answer: ${r.detail})`);
    await new Promise((res) => setTimeout(res, 500));
  }
  say(`warm-up order PAID — the stack is ready (${secondsSince(started)} s)`);
}

let ticks: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat's times (getconf CLK_TCK; 100 when unknown). */
export const clockTicks = () => (ticks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100);

/**
 * CPU time (user + system, seconds) each process used so far, from /proc/<pid>/stat
 * (Linux; empty elsewhere). Two readings give each process's share of one core.
 */
export function cpuSeconds(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which is in parentheses and may hold spaces).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (Number(f[11]) + Number(f[12])) / clockTicks(); // utime, stime in clock ticks
    } catch {
      // not Linux, or the process is gone
    }
  }
  return out;
}

/** Nearest-rank percentile of sorted values; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
