// The README runs as written: every `sh scenario=…` block of README.md is pasted, in document
// order, into one bash session against a real stack (nats-server, PostgreSQL, every context,
// the router on free ports), and what each prints is compared with the README's `json expect`
// block after it (see test/readme/readme-steps.ts for the markup). The blocks reach the
// stack through ROUTER_URL, as a reader's would reach `npm start` on localhost:4000.
//
// Tokens: the blocks call `npm run -s token -- …`, which signs with the development key pair
// in DATA_DIR (here a temporary folder whose public key the test router trusts). To keep the
// test within seconds, that one command runs scripts/token.ts itself, bundled once with
// esbuild (tsx's compiler), instead of starting npm and tsx per call: the same code and
// arguments; the package.json script is checked to be that file.
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { built, spawnChild } from '../support/children';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { devKeyFileIn, loadOrCreateDevKeys } from '../../router/auth';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';
import { jsonValues, matchesSubset, readmeSteps, type ReadmeStep } from './readme-steps';

const ROOT = resolve(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** How long a `wait` step may take to show what the README says (eventual consistency on a busy machine). */
const WAIT_MS = 30_000;
const STEP_TIMEOUT_MS = 90_000; // a block of several calls on a very busy machine

/** One long-lived bash, so variables set by one block are there for the next, as in a terminal. */
class Bash {
  private readonly proc: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private n = 0;

  constructor(env: NodeJS.ProcessEnv, cwd: string) {
    this.proc = spawnChild('bash', ['--noprofile', '--norc'], { env, cwd }) as ChildProcessWithoutNullStreams;
    this.proc.stdout.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.proc.stderr.setEncoding('utf8').on('data', (d: string) => (this.err += d));
  }

  /** Runs a block; resolves with what it printed and the exit status of its last command. */
  async run(code: string): Promise<{ stdout: string; stderr: string; status: number }> {
    const marker = `__readme_step_${++this.n}__`;
    this.out = '';
    this.err = '';
    this.proc.stdin.write(`${code}\nprintf '\\n${marker} %s\\n' "$?"\n`);
    const done = await waitFor(() => new RegExp(`\\n${marker} (\\d+)\\n`).exec(this.out), 'the block to finish', STEP_TIMEOUT_MS, 20);
    return { stdout: this.out.slice(0, done.index), stderr: this.err, status: Number(done[1]) };
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill('SIGKILL');
  }
}

const steps = readmeSteps(README);
let stack: Stack;
let bash: Bash;
let dataDir: string;

beforeAll(async () => {
  // What a reader needs too (README "Running the scenarios"): say so rather than fail obscurely.
  const missing = ['bash', 'curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length) throw new Error(`The README test needs ${missing.join(', ')} on PATH (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}; macOS: brew install ${missing.join(' ')}).`);
  dataDir = mkdtempSync(join(tmpdir(), 'og-readme-'));
  const keys = await loadOrCreateDevKeys(devKeyFileIn(dataDir));
  // Inside the repository, so the bundle's external packages resolve from node_modules.
  const cache = join(ROOT, 'node_modules', '.cache', 'readme-test');
  mkdirSync(cache, { recursive: true });
  const tokenJs = join(cache, `token-${process.pid}.js`);
  buildSync({ entryPoints: [join(ROOT, 'scripts/token.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', outfile: tokenJs, logLevel: 'error' });

  // PAYMENT_TIMEOUT_MS: the README's answers are those of a working payment; on a busy test
  // machine a cold first call may take longer than the production 610 ms (that is the fault
  // experiment's subject, not these scenarios').
  stack = await startStack({ env: { JWT_PUBLIC_KEY: keys.publicPem, REWARDS_MESSAGE_POLL_MS: '200', PAYMENT_TIMEOUT_MS: '5000' } });
  // What `npm start` waits for before it says ready: the contexts that price or stock from the catalog know it.
  for (const context of ['ordering', 'inventory', 'rental'] as const) {
    const db = stack.services[context]!.db as { catalogProduct: { count(): Promise<number> } };
    await waitFor(async () => (await db.catalogProduct.count()) >= 16, `${context} to learn the catalog`, WAIT_MS);
  }

  bash = new Bash(
    { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ROUTER_URL: stack.router!.url, DATA_DIR: dataDir, NODE_ENV: 'development' },
    ROOT,
  );
  const shim = await bash.run(
    `npm() { if [ "$1" = run ] && [ "$2" = -s ] && [ "$3" = token ]; then shift 3; [ "$1" = -- ] && shift; node ${JSON.stringify(tokenJs)} "$@"; else command npm "$@"; fi; }`,
  );
  expect(shim.status).toBe(0);
}, 120_000);

afterAll(async () => {
  bash?.close();
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(join(ROOT, 'node_modules', '.cache', 'readme-test', `token-${process.pid}.js`), { force: true });
}, 120_000);

test('npm run token is scripts/token.ts (the command the blocks call)', () => {
  // Under tsx, compiled to dist/, or through scripts/run.mjs (builds, then runs dist/scripts/token.js): the same file.
  expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.token).toMatch(/scripts\/token\.(ts|js)\b|scripts\/run\.mjs token\b/);
});

test('the README has runnable scenarios, each step with something to compare', () => {
  const scenarios = [...new Set(steps.map((s) => s.scenario))];
  expect(scenarios).toEqual(['setup', 'bakery', 'pizza', 'book-market', 'book-rental', 'rewards', 'timeline']);
  // Every scenario states what comes back, not only that commands ran.
  for (const s of scenarios.filter((x) => x !== 'setup')) expect(steps.filter((x) => x.scenario === s && x.expect).length).toBeGreaterThanOrEqual(3);
});

/** Runs one step; `wait` steps are re-run until they match or the deadline passes. */
async function runStep(step: ReadmeStep): Promise<void> {
  const where = `README.md:${step.line} (${step.scenario})`;
  const deadline = Date.now() + (step.wait ? WAIT_MS : 0);
  for (;;) {
    const r = await bash.run(step.code);
    const context = `${where}\n--- block ---\n${step.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`${where}: exited with status ${r.status}\n${context}`);
    if (!step.expect) return;
    const actual = jsonValues(r.stdout);
    const ok = actual.length === step.expect.values.length && step.expect.values.every((e, i) => matchesSubset(actual[i], e));
    if (ok) return;
    if (Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 300));
      continue;
    }
    throw new Error(
      `${where}: the answer is not what README.md:${step.expect.line} says${step.wait ? ` (waited ${WAIT_MS / 1000} s)` : ''}\n` +
        `--- README expects (subset) ---\n${step.expect.values.map((v) => JSON.stringify(v)).join('\n')}\n` +
        `--- got ---\n${actual.map((v) => JSON.stringify(v)).join('\n')}\n${context}`,
    );
  }
}

// One test per scenario, in README order: a scenario's steps share the session's variables.
for (const scenario of [...new Set(steps.map((s) => s.scenario))]) {
  test(`scenario ${scenario}: every step runs as written and answers what the README says`, async () => {
    for (const step of steps.filter((s) => s.scenario === scenario)) await runStep(step);
  }, 120_000);
}
