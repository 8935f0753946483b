// `npm run bench:start -- [--runs 3] [--with-build]`: how long `npm start` takes until every
// context is ready and the router answers, cold (an empty DATA_DIR: databases created, migrations,
// catalog seeded; --with-build: dist/ removed too, as on a fresh clone) and warm (the same DATA_DIR
// again), and how long SIGINT to the launcher alone takes to stop everything. Uses the default ports
// (4000-4009, 4222 or a free one for NATS) and a temporary DATA_DIR; prints the machine, the load
// average at each run and a table.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from './lib/dev-runtime';

const ROOT = projectRoot();

interface Run {
  kind: string;
  load: number;
  readyS: number;
  bannerS: number | undefined;
  stopS: number;
}

async function once(kind: string, dataDir: string): Promise<Run> {
  const load = loadavg()[0];
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'run.mjs'), 'start'], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let banner: number | undefined;
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    const m = /ready in ([\d.]+) s/.exec(out);
    if (m && banner === undefined) banner = Number(m[1]);
  });
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let readyS: number | undefined;
  while (readyS === undefined) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out.slice(-3000)}`);
    if (performance.now() - t0 > 300_000) throw new Error(`not ready after 300 s:\n${out.slice(-3000)}`);
    const ok = out.includes('ordergraph is running') && (await fetch('http://127.0.0.1:4000/health/ready', { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false));
    if (ok) readyS = (performance.now() - t0) / 1000;
    else await new Promise((r) => setTimeout(r, 50));
  }
  const s0 = performance.now();
  child.kill('SIGINT');
  const code = await exited;
  if (code !== 0) throw new Error(`the launcher exited with ${code} after SIGINT:\n${out.slice(-3000)}`);
  return { kind, load, readyS, bannerS: banner, stopS: (performance.now() - s0) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'with-build': { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  console.log(`npm run bench:start -- --runs ${runs}${values['with-build'] ? ' --with-build' : ''}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'og-bench-start-'));
    chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as an unprivileged user who must reach it
    try {
      if (values['with-build']) rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
      results.push(await once(values['with-build'] ? 'cold + build' : 'cold', dataDir));
      results.push(await once('warm', dataDir));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log('\n| run | load avg (1 min) at start | ready (s, from spawn) | banner (s) | stop after SIGINT (s) |\n| --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.kind} | ${r.load.toFixed(1)} | ${r.readyS.toFixed(1)} | ${r.bannerS?.toFixed(1) ?? '—'} | ${r.stopS.toFixed(1)} |`);
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
