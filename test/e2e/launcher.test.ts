// The developer commands as a newcomer meets them (package.json → scripts/run.mjs → dist/scripts/*):
// `npm start -- --help` starts nothing; one signal to the launcher process alone stops every
// process it started; `npm run service` on a busy port is one clear line, and alone it says
// which NATS it joined; `npm run -s token` prints only the token.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { alive, built, spawnChild } from '../support/children';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONTEXT_NAMES } from '../../subgraphs/registry';
import { freePort, waitFor } from '../support/ports';

const ROOT = resolve(__dirname, '../..');
const RUN = join(ROOT, 'scripts', 'run.mjs');

let dataDir: string;
beforeAll(() => {
  // Build once here, so the commands below only check that dist/ is fresh.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { encoding: 'utf8' });
  expect(build.stderr).toBe('');
  dataDir = mkdtempSync(join(tmpdir(), 'og-launcher-'));
  chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as an unprivileged user who must reach it
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Env of a command as a developer's shell would give it, with this test's DATA_DIR and nothing of the test stack. */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NATS_|DATABASE_URL|PORT$|JEST|NODE_ENV$|LOG_)/.test(k)));
  return { ...clean, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
};


/** `size` consecutive free ports (the launcher's --port-base layout). */
async function freeRange(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const servers: Server[] = [];
    try {
      for (let p = base; p < base + size; p++) {
        await new Promise<void>((ok, fail) => {
          const s = createServer().once('error', fail).listen(p, '127.0.0.1', () => ok());
          servers.push(s);
        });
      }
      return base;
    } catch {
      // taken: try another range
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  }
  throw new Error('no free port range');
}

test('npm start -- --help prints the usage and starts nothing', () => {
  const r = spawnSync(process.execPath, [RUN, 'start', '--help'], { cwd: ROOT, env: env({ DATA_DIR: join(dataDir, 'help') }), encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Usage: npm start \[-- options\]/);
  expect(r.stdout).toContain('--skip <a,b>');
  expect(existsSync(join(dataDir, 'help'))).toBe(false);
});

test('npm run -s token prints only the token', () => {
  const r = spawnSync(process.execPath, [RUN, 'token', '--role', 'customer', '--sub', 'c-launcher'], { cwd: ROOT, env: env(), encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
});

describe('a running stack', () => {
  let launcher: ChildProcess;
  let out = '';
  let base: number;
  const exited = () => new Promise<number | null>((r) => (launcher.exitCode !== null ? r(launcher.exitCode) : launcher.once('exit', (code) => r(code))));

  beforeAll(async () => {
    base = await freeRange(CONTEXT_NAMES.length + 1);
    const natsPort = await freePort();
    // Two contexts are enough to show the process handling; the others stay out to keep the test lean.
    const skip = CONTEXT_NAMES.filter((c) => c !== 'catalog' && c !== 'payment').join(',');
    // Through npm, as a newcomer (and an IDE's run button) starts it.
    launcher = spawnChild('npm', ['start', '--', '--port-base', String(base), '--skip', skip], { cwd: ROOT, env: env({ NATS_PORT: String(natsPort) }), stdio: ['ignore', 'pipe', 'pipe'], group: true });
    launcher.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    launcher.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor(() => {
      if (launcher.exitCode !== null) throw new Error(`npm start exited (${launcher.exitCode}):\n${out}`);
      return out.includes('ordergraph is running');
    }, 'npm start to be ready', 240_000, 200).catch((e) => {
      throw new Error(`${(e as Error).message}\n${out.slice(-4000)}`);
    });
  }, 300_000);
  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      launcher.kill('SIGKILL');
      await exited();
    }
  });

  test('the banner prints the start-up time', () => {
    expect(out).toMatch(/✔ ordergraph is running — ready in \d+\.\d s/);
  });

  test('npm run service on a busy port says so in one line: no EADDRINUSE stack', () => {
    const r = spawnSync(process.execPath, [RUN, 'service', 'payment'], { cwd: ROOT, env: env({ PORT: String(base + 3) }), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `service: port ${base + 3} is in use, so payment cannot listen there: is it already running (npm start runs every context)? Stop that process, or choose another port: PORT=<port> npm run service -- payment`,
    ]);
  });

  test('a service started alone says which NATS it joined: the running stack’s', async () => {
    const port = await freePort();
    const svc = spawnChild(process.execPath, [RUN, 'service', 'payment'], { cwd: ROOT, env: env({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    svc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    try {
      const runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { natsUrl: string; launcherPid: number };
      await waitFor(() => err.includes('joining NATS'), 'the service to say which NATS it joins', 60_000);
      expect(err).toContain(`service: joining NATS at ${runtime.natsUrl} (the running npm start (pid ${runtime.launcherPid})): server ordergraph-dev-`);
      expect(err).toContain(", this folder's npm start");
    } finally {
      const gone = new Promise((r) => svc.once('exit', r));
      svc.kill('SIGTERM');
      await gone;
    }
  }, 90_000);

  test('SIGINT to the npm start process alone (as an IDE sends it) stops every process it started, and the runtime file goes', async () => {
    const pids = Object.fromEntries([.../pids: (.*)/.exec(out)![1].matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(pids).sort()).toEqual(['catalog', 'payment', 'router']);
    const postgresPid = Number(readFileSync(join(dataDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const natsPid = Number(/nats-server=(\d+)/.exec(out)![1]);
    expect(out).toContain(`postgres=${postgresPid}`);
    for (const pid of [...Object.values(pids), postgresPid, natsPid]) expect(alive(pid)).toBe(true);
    const runtimeText = readFileSync(join(dataDir, 'runtime.json'), 'utf8');

    // npm forwards SIGINT/SIGTERM to its script, which `exec` made the launcher itself (package.json).
    launcher.kill('SIGINT');
    expect(await exited()).toBe(0);
    expect(alive(Number(/launcherPid": (\d+)/.exec(runtimeText)![1]))).toBe(false);
    for (const pid of [...Object.values(pids), postgresPid, natsPid]) expect(alive(pid)).toBe(false);
    expect(out).toContain(`▸ stopped. Data kept in ${dataDir} for the next start.`);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
  }, 90_000);
});
