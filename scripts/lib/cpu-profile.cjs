// CPU profile preload for any ordergraph process (contexts, router, scripts):
//
//   NODE_OPTIONS="--require $PWD/scripts/lib/cpu-profile.cjs" CPU_PROFILE_DIR=/tmp/prof node dist/subgraphs/rewards/main.js
//
// Node 20 refuses `--cpu-prof` in NODE_OPTIONS; this does the same through the inspector
// module: the V8 profiler starts when the process loads, and a `.cpuprofile` (Chrome
// DevTools / speedscope format) is written to CPU_PROFILE_DIR (default: the working
// directory) as `<label>-<pid>-<n>.cpuprofile` on SIGUSR2, after which profiling starts
// afresh (so one signal before the load and one after it give a profile of the load alone),
// and once more when the process exits. `<label>` is CPU_PROFILE_LABEL, else the entry
// script's folder name (e.g. `rewards`). CPU_PROFILE_INTERVAL_US sets the sampling interval
// (default 1000 µs; V8's own default is 1000 too). Without CPU_PROFILE_DIR and
// CPU_PROFILE=1 nothing happens, so the preload can stay in NODE_OPTIONS of child processes
// that should not be profiled.
'use strict';
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');

const dir = process.env.CPU_PROFILE_DIR;
if (dir || process.env.CPU_PROFILE === '1') {
  const outDir = dir || process.cwd();
  const entry = process.argv[1] ? basename(dirname(process.argv[1])) : 'node';
  const label = (process.env.CPU_PROFILE_LABEL || entry || 'node').replace(/[^\w.-]/g, '_');
  const interval = Number(process.env.CPU_PROFILE_INTERVAL_US) || 1000;
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  let n = 0;
  const begin = () => post('Profiler.setSamplingInterval', { interval }).then(() => post('Profiler.start'));
  let started = post('Profiler.enable').then(begin);

  // Async variant for SIGUSR2: write, then start a new profile.
  const rotate = async () => {
    await started;
    const { profile } = await post('Profiler.stop');
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `${label}-${process.pid}-${++n}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`cpu-profile: wrote ${file}\n`);
    started = begin();
  };
  process.on('SIGUSR2', () => void rotate().catch((e) => process.stderr.write(`cpu-profile: ${e.message}\n`)));

  // At exit the event loop is gone: the inspector session answers synchronously (its callback runs inside post).
  process.on('exit', () => {
    try {
      session.post('Profiler.stop', (err, res) => {
        if (err || !res) return;
        mkdirSync(outDir, { recursive: true });
        writeFileSync(join(outDir, `${label}-${process.pid}-${++n}.cpuprofile`), JSON.stringify(res.profile));
      });
    } catch {
      // nothing to write
    }
  });
}

// `node scripts/lib/cpu-profile.cjs top FILE.cpuprofile… [--n 25]`: the frames with the most
// self time, and self time summed per package (node_modules/<pkg>), per project file and
// for Node's internals, as shares of the profile's samples (idle and GC listed apart).
if (require.main === module && process.argv[2] === 'top') {
  const { readFileSync } = require('node:fs');
  const args = process.argv.slice(3);
  const nAt = args.indexOf('--n');
  const top = nAt >= 0 ? Number(args.splice(nAt, 2)[1]) : 25;
  for (const file of args) {
    const p = JSON.parse(readFileSync(file, 'utf8'));
    const byId = new Map(p.nodes.map((x) => [x.id, x]));
    const hits = new Map();
    for (const id of p.samples) hits.set(id, (hits.get(id) || 0) + 1);
    const total = p.samples.length || 1;
    const frames = new Map();
    const groups = new Map();
    const owners = new Map();
    const parent = new Map();
    for (const x of p.nodes) for (const c of x.children || []) parent.set(c, x.id);
    // The nearest project frame (dist/… or a .ts source, not node_modules) on the stack.
    const ownerOf = (id) => {
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const cf = byId.get(at).callFrame;
        if (/\/(dist|platform|subgraphs|router|scripts)\//.test(cf.url) && !cf.url.includes('node_modules')) return `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*?\/(dist|platform|subgraphs|router|scripts)\//, '$1/')}:${cf.lineNumber + 1}`;
      }
      return '(no project frame)';
    };
    const add = (m, k, v) => m.set(k, (m.get(k) || 0) + v);
    let idle = 0;
    for (const [id, count] of hits) {
      const cf = byId.get(id).callFrame;
      if (cf.functionName === '(idle)') {
        idle += count;
        continue;
      }
      const url = cf.url.replace(/^file:\/\//, '');
      const where = url ? `${url.replace(/^.*?\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}` : '';
      add(frames, `${cf.functionName || '(anonymous)'} ${where}`, count);
      add(owners, ownerOf(id), count);
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
      add(groups, pkg ? `pkg ${pkg}` : url.includes('/dist/') ? `own ${url.replace(/^.*\/dist\//, '')}` : url.startsWith('node:') ? 'node internals' : url ? `other ${url}` : `(${cf.functionName || 'native'})`, count);
    }
    const busy = total - idle;
    const pct = (c) => `${((100 * c) / busy).toFixed(1).padStart(5)} %`;
    const seconds = ((p.endTime - p.startTime) / 1e6).toFixed(1);
    console.log(`\n${file}: ${seconds} s, ${busy} busy samples of ${total} (shares of busy samples)`);
    console.log('  self time by frame:');
    for (const [k, c] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(c)}  ${k}`);
    console.log('  time by nearest project frame on the stack (what our code made the libraries do):');
    for (const [k, c] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(c)}  ${k}`);
    console.log('  self time by package / file:');
    for (const [k, c] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(c)}  ${k}`);
  }
}
