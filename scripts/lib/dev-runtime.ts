// What `npm start` tells the processes started next to it (`npm run service`, `npm run token`):
// <DATA_DIR>/runtime.json, written when the stack is up and removed when it stops.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';

export interface DevRuntime {
  natsUrl: string;
  /** The nats-server's name (see natsNameFor); absent when the stack joined a NATS_URL. */
  natsName?: string;
  /** PostgreSQL every context uses (the embedded server or DATABASE_URL); absent: PGlite per context. */
  databaseUrl?: string;
  launcherPid: number;
  startedAt: string;
}

/** The project folder, from this file in scripts/lib/ or dist/scripts/lib/. */
export function projectRoot(): string {
  const up2 = resolve(__dirname, '..', '..');
  return existsSync(join(up2, 'package.json')) ? up2 : resolve(up2, '..');
}

export const dataDirOf = (env: NodeJS.ProcessEnv = process.env) => resolve(env.DATA_DIR ?? join(projectRoot(), '.data'));
const fileIn = (dataDir: string) => join(dataDir, 'runtime.json');

/** The name `npm start` gives its nats-server, unique per data folder, so a NATS can be recognised as this stack's. */
export const natsNameFor = (dataDir: string) => `ordergraph-dev-${createHash('sha256').update(dataDir).digest('hex').slice(0, 8)}`;

export const writeRuntime = (dataDir: string, r: DevRuntime) => writeFileSync(fileIn(dataDir), `${JSON.stringify(r, null, 2)}\n`);
export const removeRuntime = (dataDir: string) => rmSync(fileIn(dataDir), { force: true });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running stack's runtime file; `stale` when the launcher that wrote it is gone (killed without cleaning up). */
export function readRuntime(dataDir: string): { runtime: DevRuntime; stale: boolean } | undefined {
  const file = fileIn(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const runtime = JSON.parse(readFileSync(file, 'utf8')) as DevRuntime;
    return { runtime, stale: typeof runtime.launcherPid !== 'number' || !alive(runtime.launcherPid) };
  } catch {
    return undefined;
  }
}

export interface NatsIdentity {
  name: string;
  version: string;
  jetstream: boolean;
}

/** Who answers at a NATS URL (server name, version, JetStream), or undefined when no NATS answers within 1.5 s. */
export async function identifyNats(url: string): Promise<NatsIdentity | undefined> {
  try {
    const nc = await connect({ servers: url, reconnect: false, timeout: 1500, name: 'ordergraph-probe' });
    const info = nc.info;
    await nc.close();
    return info ? { name: info.server_name, version: info.version, jetstream: Boolean(info.jetstream) } : undefined;
  } catch {
    return undefined;
  }
}
