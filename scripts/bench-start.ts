// `npm run bench:start -- [--runs 3] [--with-build] [--legacy DIR]`: how long `npm start` takes until every
// context is ready and the router answers, cold (an empty DATA_DIR: databases created, migrations,
// catalog seeded; --with-build: dist/ removed too, as on a fresh clone) and warm (the same DATA_DIR
// again), and how long SIGINT to the launcher alone takes to stop everything. Uses the default ports
// (4000-4009, 4222 or a free one for NATS) and a temporary DATA_DIR; prints the machine, the load
// average at each run and a table. CPU seconds (user + system of the launcher and every process it
// started, finished ones included) are the figure a busy machine distorts least: on an idle 2-core
// machine the wall time cannot be below half of it. --legacy DIR runs DIR's scripts/start.ts under
// tsx instead (an older checkout, to compare in the same conditions).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from './lib/dev-runtime';

const ROOT = projectRoot();

interface Run {
  kind: string;
  load: number;
  readyS: number;
  cpuS: number;
  bannerS: number | undefined;
  stopS: number;
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** user + system CPU seconds of `root` and all its descendants, waited-for children included (Linux /proc). */
function treeCpuSeconds(root: number): number {
  const stats = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => {
      try {
        const text = readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
        // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
        return { pid: Number(d), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
      } catch {
        return undefined;
      }
    })
    .filter((s): s is { pid: number; ppid: number; ticks: number } => s !== undefined);
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) if (!inTree.has(s.pid) && inTree.has(s.ppid)) (inTree.add(s.pid), (grew = true));
  }
  return stats.filter((s) => inTree.has(s.pid)).reduce((a, s) => a + s.ticks, 0) / TICKS;
}

async function once(kind: string, dataDir: string, legacy?: string): Promise<Run> {
  const load = loadavg()[0];
  const t0 = performance.now();
  const [cwd, args] = legacy ? [legacy, ['--import', 'tsx', join(legacy, 'scripts', 'start.ts')]] : [ROOT, [join(ROOT, 'scripts', 'run.mjs'), 'start']];
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let banner: number | undefined;
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    const m = /(?:ready in|running\S* \() ?([\d.]+) s/.exec(out);
    if (m && banner === undefined) banner = Number(m[1]);
  });
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let readyS: number | undefined;
  let cpuS = 0;
  while (readyS === undefined) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out.slice(-3000)}`);
    if (performance.now() - t0 > 300_000) throw new Error(`not ready after 300 s:\n${out.slice(-3000)}`);
    const ok = out.includes('ordergraph is running') && (await fetch('http://127.0.0.1:4000/health/ready', { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false));
    if (ok) {
      readyS = (performance.now() - t0) / 1000;
      cpuS = treeCpuSeconds(child.pid!);
    }
    else await new Promise((r) => setTimeout(r, 50));
  }
  const s0 = performance.now();
  child.kill('SIGINT');
  const code = await exited;
  if (code !== 0) throw new Error(`the launcher exited with ${code} after SIGINT:\n${out.slice(-3000)}`);
  return { kind, load, readyS, cpuS, bannerS: banner, stopS: (performance.now() - s0) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'with-build': { type: 'boolean', default: false }, legacy: { type: 'string' } } });
  const runs = Number(values.runs);
  console.log(`npm run bench:start -- --runs ${runs}${values['with-build'] ? ' --with-build' : ''}${values.legacy ? ` --legacy ${values.legacy}` : ''}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'og-bench-start-'));
    chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as an unprivileged user who must reach it
    try {
      if (values['with-build']) rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
      results.push(await once(values['with-build'] ? 'cold + build' : 'cold', dataDir, values.legacy));
      results.push(await once('warm', dataDir, values.legacy));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log('\n| run | load avg (1 min) at start | ready (s, from spawn) | CPU s to ready (all processes) | banner (s) | stop after SIGINT (s) |\n| --- | --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.kind} | ${r.load.toFixed(1)} | ${r.readyS.toFixed(1)} | ${r.cpuS.toFixed(1)} | ${r.bannerS?.toFixed(1) ?? '—'} | ${r.stopS.toFixed(1)} |`);
  const med = (k: string) => {
    const xs = results.filter((r) => r.kind === k).map((r) => r.readyS).sort((a, b) => a - b);
    return xs.length ? xs[Math.floor(xs.length / 2)].toFixed(1) : '—';
  };
  console.log(`\nmedian ready: ${values['with-build'] ? 'cold + build' : 'cold'} ${med(values['with-build'] ? 'cold + build' : 'cold')} s, warm ${med('warm')} s`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
