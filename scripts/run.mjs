// Runs one of the project's scripts compiled: `node scripts/run.mjs start [args]` builds what
// changed (scripts/build.mjs, incremental: a fresh dist/ costs a file scan) and then runs
// dist/scripts/start.js in this same process, so a signal sent to it (Ctrl-C, an IDE's stop
// button, a process manager's SIGTERM) reaches the script itself. package.json's start,
// service and token use it: no TypeScript compiler in any process at run time.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [name] = process.argv.splice(2, 1);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node scripts/run.mjs <script name in scripts/, e.g. start> [arguments]');
  process.exit(2);
}
const root = join(import.meta.dirname, '..');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
createRequire(import.meta.url)(join(root, 'dist', 'scripts', `${name}.js`));
