// The image, checked statically (no Docker engine runs on these machines): a pinned Node 20
// base, a non-root user, no development dependencies in the runtime stage, `node` as the
// entry point, and the build's entry points the Kubernetes manifests name exist after
// `npm run build` and need nothing outside package.json's production dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { entryPointsOf, K8S, render, ROOT } from './k8s-render';

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** The Dockerfile's stages, with ARG defaults substituted into FROM and continuation lines joined. */
function parseDockerfile(text: string): Stage[] {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const [instr, ...rest] = line.split(/\s+/);
    const body = rest.join(' ');
    if (/^ARG$/i.test(instr) && stages.length === 0) {
      const [k, v] = body.split('=');
      if (v !== undefined) args[k] = v;
    } else if (/^FROM$/i.test(instr)) {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(body)!;
      stages.push({ from: m[1].replace(/\$\{?(\w+)\}?/g, (_, k) => args[k] ?? ''), name: m[2], lines: [] });
    } else if (stages.length) {
      stages[stages.length - 1].lines.push(line);
    }
  }
  return stages;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages[stages.length - 1];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('Dockerfile', () => {
  it('builds on a pinned Node 20 image (exact version, never latest), the same for every stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      const from = stages.find((x) => x.name === s.from)?.from ?? s.from;
      expect(from).toMatch(/^node:20\.\d+\.\d+(-[a-z0-9]+)*(@sha256:[a-f0-9]{64})?$/);
    }
  });

  it('installs from the lockfile, generates the Prisma clients, builds and prunes dev dependencies before the runtime stage copies node_modules', () => {
    const build = stages.find((s) => runtime.lines.some((l) => new RegExp(`--from=${s.name}\\b.*node_modules`).test(l)));
    expect(build).toBeDefined();
    const steps = build!.lines.filter((l) => /^RUN /i.test(l)).join('\n');
    const order = [/npm ci\b/, /prisma:generate|prisma-generate|prisma generate/, /npm run build/, /npm prune --omit=dev/].map((re) => steps.search(re));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('puts no development dependency into the runtime stage: it installs nothing and copies only node_modules (pruned), dist and package.json', () => {
    expect(runtime.lines.filter((l) => /^RUN .*\b(npm|yarn|pnpm|npx)\b/i.test(l))).toEqual([]);
    const copied = runtime.lines.filter((l) => /^COPY /i.test(l)).map((l) => l.split(/\s+/).filter((w) => !w.startsWith('--'))[1]);
    expect(copied.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json']);
  });

  it('runs as a non-root user, by number (so runAsNonRoot can verify it), with node as the entry point', () => {
    const users = runtime.lines.filter((l) => /^USER /i.test(l));
    expect(users.length).toBeGreaterThan(0);
    const [uid] = users[users.length - 1].slice(5).trim().split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(runtime.lines).toContain('ENTRYPOINT ["node"]');
  });

  it('listens on all interfaces and keeps its data under a folder the manifests mount (read-only root file system)', () => {
    const env = runtime.lines.filter((l) => /^ENV /i.test(l)).join(' ');
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/DATA_DIR=\/\w+/);
  });

  it('keeps the build context small and free of local state (.dockerignore)', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.data', '.git', 'prisma/*/generated']) expect(ignored).toContain(p);
  });
});

describe('the build the image runs', () => {
  const manifests = [...render(join(K8S, 'overlays', 'dev')), ...render(join(K8S, 'overlays', 'production'))];
  const cmd = /^CMD \["([^"]+)"\]/m.exec(runtime.lines.join('\n'))?.[1];
  const entries = [...new Set([...entryPointsOf(manifests), ...(cmd ? [cmd] : [])])].sort();

  beforeAll(() => {
    // Incremental: only what changed since the last build.
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  }, 120_000);

  it('names the router, every context and the migrations as entry points', () => {
    expect(entries).toEqual(expect.arrayContaining(['dist/router/main.js', 'dist/scripts/migrate.js', 'dist/subgraphs/ordering/main.js']));
    expect(entries.length).toBeGreaterThanOrEqual(11);
  });

  it('has every entry point the manifests and the Dockerfile name', () => {
    expect(entries.filter((e) => !existsSync(join(ROOT, e)))).toEqual([]);
  });

  it('needs only production dependencies from those entry points (no tsx, no compiler, no dev tool)', () => {
    // Follow every require() from the entry points through dist/; collect the packages reached.
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) {
        if (builtins.has(spec)) continue;
        if (spec.startsWith('.')) {
          const base = resolve(dirname(file), spec);
          const target = [base, `${base}.js`, join(base, 'index.js')].find((f) => existsSync(f) && !f.endsWith('/'));
          if (target && target.endsWith('.js')) visit(target);
          continue;
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!packages.has(name)) packages.set(name, file.slice(ROOT.length + 1));
      }
    };
    for (const e of entries) visit(join(ROOT, e));
    expect(seen.size).toBeGreaterThan(50);
    // What `npm ci --omit=dev` installs: the lockfile's top-level packages not marked dev-only
    // (production dependencies and what they bring along).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const installed = (name: string) => {
      const entry = lock.packages[`node_modules/${name}`];
      return !!entry && !entry.dev;
    };
    const notProduction = [...packages].filter(([name]) => !installed(name)).map(([name, from]) => `${name} (required by ${from})`);
    expect(notProduction).toEqual([]);
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  });
});
