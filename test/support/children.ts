/**
 * Processes a test starts (a context, the router, `npm start`, a shell): every one goes through
 * `spawnChild`, which guarantees two things whatever the test does or fails to do:
 *
 * 1. **No child holds Jest's pipes.** A child given `stdio: 'inherit'` would hold the Jest
 *    worker's stdout/stderr, which are pipes to Jest's main process; if that child outlives
 *    its test (the test failed before its `kill`), Jest's main process waits for the pipe
 *    to close and never exits ("Jest did not exit one second after the test run has
 *    completed", then a CI timeout). Here an inherited stdout/stderr becomes a pipe whose
 *    data is copied to this process's stream: the output still shows, the pipe dies with us.
 * 2. **No child outlives its test file.** Each one is SIGKILLed (its whole process group when
 *    spawned with `group: true`) after the file's last test and afterAll hook (by the test
 *    environment, test/support/environment.ts) and when the worker exits.
 *
 * A test that stops its child itself loses nothing: a child that has exited is forgotten.
 */
import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';

/** The children of one test file, by the environment that runs it. */
export type Tracked = Map<ChildProcess, { group: boolean }>;
/** Where the test environment puts the file's `Tracked` on the file's global object. */
export const CHILDREN = Symbol.for('ordergraph.test.children');
// Outside the ordergraph environment (a script importing this), a map of this module's own.
const live: Tracked = ((globalThis as Record<symbol, unknown>)[CHILDREN] as Tracked | undefined) ?? new Map();

function killNow(child: ChildProcess, group: boolean): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (group) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    /* already gone */
  }
}

function onWorkerExit(): void {
  for (const [child, o] of live) killNow(child, o.group);
}

/** The three stdio entries of `stdio`, as spawn reads them. */
function triple(stdio: StdioOptions | undefined): unknown[] {
  if (stdio === undefined) return ['pipe', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  return [...stdio, 'pipe', 'pipe', 'pipe'].slice(0, Math.max(3, stdio.length));
}

/**
 * `child_process.spawn`, tracked. `options.stdio` as spawn's, except that `inherit` for stdout
 * or stderr is a copied pipe (see above) and stdin's `inherit` is `ignore`. `group: true`
 * starts the child as a process-group leader (`detached`), so the clean-up kills what it
 * started too (use it for launchers such as `npm start`).
 */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions & { group?: boolean } = {}): ChildProcess {
  const { group = false, ...rest } = options;
  const [inn, out, err, ...extra] = triple(rest.stdio);
  const stdio = [inn === 'inherit' ? 'ignore' : inn, out === 'inherit' ? 'pipe' : out, err === 'inherit' ? 'pipe' : err, ...extra] as StdioOptions;
  const child = spawn(command, args, { ...rest, stdio, detached: group || rest.detached });
  if (out === 'inherit') child.stdout?.on('data', (d: Buffer) => process.stdout.write(d));
  if (err === 'inherit') child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  if (live.size === 0) process.on('exit', onWorkerExit);
  live.set(child, { group });
  child.once('exit', () => {
    live.delete(child);
    if (live.size === 0) process.off('exit', onWorkerExit);
  });
  return child;
}

/** SIGKILLs every child (and group) of `tracked` still running, and waits until each has exited. */
export async function killTracked(tracked: Tracked): Promise<void> {
  const waits = [...tracked].map(([child, o]) => {
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    killNow(child, o.group);
    return exited;
  });
  await Promise.all(waits);
}

/** SIGKILLs every child this test file started that is still running. */
export const killChildren = (): Promise<void> => killTracked(live);

/** Whether a process with this pid exists (signal 0: nothing is sent). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** How many tracked children are still running (for tests of this module). */
export const runningChildren = (): number => [...live.keys()].filter((c) => c.exitCode === null && c.signalCode === null).length;

const ROOT = require('node:path').resolve(__dirname, '../..') as string;
/**
 * The built JavaScript of a source file, as the image and `npm start` run it:
 * `built('router/main.ts')` → `<repo>/dist/router/main.js`. The global setup builds dist/
 * (incrementally) before any test runs; tests start processes from it, not through tsx.
 */
export const built = (source: string): string => require('node:path').join(ROOT, 'dist', source.replace(/\.ts$/, '.js')) as string;
