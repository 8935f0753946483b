// `npm run build`: transpiles every non-test TypeScript file to CommonJS JavaScript in dist/,
// with the same tree layout, and copies the files the code reads at run time (GraphQL SDL,
// migrations, the tracker page) beside them, so `node dist/<path>.js` runs any process without
// tsx or a compiler. Type checking is separate (`npm run typecheck`): swc only strips types.
//
//   node scripts/build.mjs            build what changed since the last build (incremental)
//   node scripts/build.mjs --clean    remove dist/ first
//   node scripts/build.mjs --check    exit 1 if dist/ is missing or older than a source (builds nothing)
//
// Entry points: dist/router/main.js, dist/subgraphs/<context>/main.js, dist/scripts/<name>.js.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFileSync } from '@swc/core';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist');
/** Source folders compiled into dist/ (tests and test support are not part of the build). */
const SOURCES = ['platform', 'router', 'scripts', 'subgraphs', 'prisma'];
/** Non-TypeScript files the code reads relative to its own folder at run time. */
const ASSET = /\.(graphql|sql|toml|html|css|js|mjs|json|part|prisma|svg|ico|png)$/;
const SKIP_DIR = new Set(['node_modules', 'test', 'dist', '.data']);

const args = new Set(process.argv.slice(2));
if (args.has('--clean')) rmSync(OUT, { recursive: true, force: true });

/** Every [source, output, kind] pair of the build. */
function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIR.has(entry.name)) yield* files(path);
      continue;
    }
    const rel = relative(ROOT, path);
    if (entry.name.endsWith('.d.ts')) continue;
    if (entry.name.endsWith('.ts')) {
      if (entry.name.endsWith('.test.ts')) continue;
      yield [path, join(OUT, rel.replace(/\.ts$/, '.js')), 'ts'];
    } else if (ASSET.test(entry.name)) {
      yield [path, join(OUT, rel), 'asset'];
    }
  }
}

const stale = (src, out) => !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
const all = SOURCES.filter((s) => existsSync(join(ROOT, s))).flatMap((s) => [...files(join(ROOT, s))]);
// A new swc version or build option set rebuilds everything.
const stamp = join(OUT, '.build-stamp');
const stampText = JSON.stringify({ swc: (await import('@swc/core')).version, node: 'commonjs-es2022-v1' });
const stampOk = existsSync(stamp) && (await import('node:fs')).readFileSync(stamp, 'utf8') === stampText;
const todo = stampOk ? all.filter(([src, out]) => stale(src, out)) : all;

if (args.has('--check')) {
  if (todo.length > 0) {
    console.error(`dist/ is out of date (${todo.length} file(s), e.g. ${relative(ROOT, todo[0][0])}): run npm run build`);
    process.exit(1);
  }
  process.exit(0);
}

const started = performance.now();
for (const [src, out, kind] of todo) {
  mkdirSync(dirname(out), { recursive: true });
  if (kind === 'asset') {
    copyFileSync(src, out);
    continue;
  }
  const { code, map } = transformFileSync(src, {
    swcrc: false,
    sourceMaps: true,
    sourceFileName: relative(dirname(out), src),
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
    module: { type: 'commonjs', ignoreDynamic: false },
  });
  writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
  if (map) writeFileSync(`${out}.map`, map);
}
mkdirSync(OUT, { recursive: true });
writeFileSync(stamp, stampText);
if (!args.has('--quiet')) {
  const ms = Math.round(performance.now() - started);
  console.log(todo.length === 0 ? 'build: dist/ is up to date' : `build: ${todo.length} file(s) → dist/ in ${ms} ms`);
}
