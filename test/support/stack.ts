import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startRouter, type RunningRouter } from '../../router/gateway';
import type { RunningContext } from '../../platform/service';
import { CONTEXT_NAMES, CONTEXTS as REGISTRY, type ContextName } from '../../subgraphs/registry';
import { startNatsServer, type TestNats } from './nats';
import { createTestDatabases, type TestDatabases } from './postgres';
import { freePort, waitFor } from './ports';

export const CONTEXTS = CONTEXT_NAMES;
export type { ContextName };

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface Stack {
  nats: TestNats;
  dbs: TestDatabases;
  ports: Record<ContextName | 'router', number>;
  services: Partial<Record<ContextName, RunningContext<any>>>;
  router?: RunningRouter;
  /** The environment a context process gets (in-process or spawned). */
  envFor(name: ContextName): NodeJS.ProcessEnv;
  start(name: ContextName): Promise<RunningContext<any>>;
  stop(name: ContextName): Promise<void>;
  /**
   * Runs a context as a real child process (for stop/restart experiments). `port` and
   * `env` override its defaults, e.g. to run a second replica of it next to the first.
   */
  spawn(name: ContextName, opts?: { port?: number; env?: NodeJS.ProcessEnv }): Promise<SpawnedService>;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface SpawnedService {
  pid: number;
  /** SIGTERM (graceful) by default; SIGKILL simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts an isolated ordergraph for one test file: its own nats-server, its own
 * PostgreSQL databases, the given contexts in-process on fixed free ports (so a
 * context can be stopped and started again at the same address), and the router.
 */
export async function startStack(
  opts: {
    contexts?: ContextName[];
    router?: boolean;
    env?: NodeJS.ProcessEnv;
    /** A supergraph file for the router instead of the committed one (e.g. composed without a context). */
    supergraphPath?: string;
  } = {},
): Promise<Stack> {
  const contexts = opts.contexts ?? [...CONTEXTS];
  const nats = await startNatsServer();
  const dbs = await createTestDatabases([...CONTEXTS]);
  const ports = Object.fromEntries(await Promise.all([...CONTEXTS, 'router'].map(async (n) => [n, await freePort()]))) as Stack['ports'];
  const services: Stack['services'] = {};
  const children = new Set<SpawnedService>();

  const envFor = (name: ContextName): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    NATS_URL: nats.url,
    ...dbs.env,
    PORT: String(ports[name]),
    PAYMENT_URL: `http://127.0.0.1:${ports.payment}`,
    NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}`,
    OUTBOX_POLL_MS: '200',
    CONSUMER_MAX_DELIVER: '3',
    ...opts.env,
  });

  const stack: Stack = {
    nats,
    dbs,
    ports,
    services,
    envFor,
    async start(name) {
      services[name] = await REGISTRY[name].start(envFor(name));
      return services[name]!;
    },
    async stop(name) {
      await services[name]?.stop();
      delete services[name];
    },
    async spawn(name, spawnOpts = {}) {
      const port = spawnOpts.port ?? ports[name];
      const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../subgraphs', name, 'main.ts')], {
        env: { ...envFor(name), ...spawnOpts.env, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await waitFor(
        () => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok),
        `${name} process to become ready`,
        30_000,
        200,
      );
      const handle: SpawnedService = {
        pid: child.pid!,
        stop: async (signal = 'SIGTERM') => {
          children.delete(handle);
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      children.add(handle);
      return handle;
    },
    async gql(query, variables) {
      if (!stack.router) throw new Error('router not started');
      const res = await fetch(stack.router.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as GraphQLResponse;
    },
    async close() {
      await stack.router?.stop();
      for (const c of [...children]) await c.stop('SIGKILL');
      for (const name of Object.keys(services) as ContextName[]) await stack.stop(name);
      await nats.stop();
      await dbs.drop();
    },
  };

  try {
    // Sequential: a 2-core machine starts them about as fast, and errors read clearly.
    for (const name of contexts) await stack.start(name);
    if (opts.router !== false) {
      stack.router = await startRouter({
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        LOG_FORMAT: 'json',
        HOST: '127.0.0.1',
        PORT: String(ports.router),
        ...(opts.supergraphPath ? { SUPERGRAPH_PATH: opts.supergraphPath } : {}),
        ...Object.fromEntries(CONTEXTS.map((c) => [`SUBGRAPH_URL_${c.toUpperCase()}`, `http://127.0.0.1:${ports[c]}/graphql`])),
      });
    }
  } catch (e) {
    await stack.close().catch(() => undefined);
    throw e;
  }
  return stack;
}

/** GraphQL through a subgraph directly, as the router would call it (with the router token). */
export async function subgraphGql<T = any>(url: string, query: string, variables?: Record<string, unknown>, token = 'dev-only-router-token-change-me'): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ordergraph-router-token': token },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}
