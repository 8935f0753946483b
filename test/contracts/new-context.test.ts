// `npm run new:context -- <name>` creates a working context without changing another one:
// run in a temporary copy of the repository, it writes the context, registers and composes it;
// the composed router (real, in-process) then serves the new subgraph, started from the copy
// as its own process next to catalog, ordering and payment, and the new context's sample
// policy turns a paid order (ordering's OrderPlaced, on a real nats-server) into its read model.
// Its Kubernetes manifests: both overlays of the copy render with the real kustomize and pass
// test/contracts/k8s.test.ts run inside the copy (whose registry holds the new context).
import { execFile, type ChildProcess } from 'node:child_process';
import { built, spawnChild } from '../support/children';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { composeSupergraph, subgraphsOf } from '../../router/compose';
import { checkName, writeKubernetesManifests } from '../../scripts/new-context';
import { CONTEXT_NAMES, CONTEXTS } from '../../subgraphs/registry';
import { freePort, waitFor } from '../support/ports';
import { createTestDatabases, type TestDatabases } from '../support/postgres';
import { named, render } from './k8s-render';
import { startStack, type Stack } from '../support/stack';

const ROOT = resolve(__dirname, '../..');
const NAME = 'loyalty';
/** The generator's port for it: the next after the registry's highest. */
const PORT = Math.max(...Object.values(CONTEXTS).map((c) => c.port)) + 1;
const run = promisify(execFile);

/** sha256 of every file under the given folders of a tree, by path. */
function hashes(root: string, folders: string[], skip: (path: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      const rel = relative(root, full);
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(full);
      else out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  for (const f of folders) walk(join(root, f));
  return out;
}

/** Everything of an existing context or of the shared code: nothing of it may change. */
const guarded = (root: string) =>
  hashes(root, ['subgraphs', 'prisma', 'platform', 'router', 'scripts', 'test'], (p) =>
    p.includes(`${NAME}`) || p.endsWith('/generated') || p === 'subgraphs/registry.ts' || p === 'router/supergraph.graphql' || p === 'router/public-schema.graphql',
  );

let copy: string;
let before: Record<string, string>;
let generated: { stdout: string; stderr: string };

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'og-new-context-'));
  const top = new Set(['node_modules', '.git', '.data', 'dist', 'coverage']);
  cpSync(ROOT, copy, { recursive: true, filter: (src) => src === ROOT || !top.has(relative(ROOT, src).split('/')[0]) });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  before = guarded(copy);
  generated = await run(process.execPath, ['--import', 'tsx', 'scripts/new-context.ts', NAME], { cwd: copy });
}, 600_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the name', () => {
  test('lowercase letters and digits, not reserved, not taken', () => {
    expect(checkName('loyalty2', CONTEXT_NAMES)).toEqual({ name: 'loyalty2', pascal: 'Loyalty2' });
    for (const bad of [undefined, '', 'x', 'Loyalty', 'loyal-ty', 'loyal_ty', '9lives', 'a'.repeat(31), 'all', 'router']) {
      expect(() => checkName(bad, CONTEXT_NAMES)).toThrow();
    }
    expect(() => checkName('rewards', CONTEXT_NAMES)).toThrow(/already exists/);
  });

  test('the command refuses a taken name (exit 1) and writes nothing', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/new-context.ts', 'rewards'], { cwd: copy }).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a context named "rewards" already exists/);
    expect(readFileSync(join(copy, 'subgraphs', 'registry.ts'), 'utf8').match(/^\s{2}\w+: \{ port:/gm)).toHaveLength(CONTEXT_NAMES.length + 1);
  }, 60_000);
});

test('it writes the context\'s folders, its first migration, one registry line and one supergraph entry; nothing else changes', () => {
  expect(generated.stdout).toContain(`created context loyalty (port ${PORT})`);
  for (const f of ['schema.graphql', 'service.ts', 'main.ts', 'db.ts', 'resolvers.ts', 'policies.ts', `${NAME}.component.test.ts`]) {
    expect(statSync(join(copy, 'subgraphs', NAME, f)).isFile()).toBe(true);
  }
  expect(readFileSync(join(copy, 'subgraphs', NAME, 'schema.graphql'), 'utf8')).toMatch(/^extend schema @link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
  const migrations = readdirSync(join(copy, 'prisma', NAME, 'migrations'));
  expect(migrations.sort()).toEqual([expect.stringMatching(/^\d{14}_init$/), 'migration_lock.toml']);
  const init = readFileSync(join(copy, 'prisma', NAME, 'migrations', migrations.sort()[0], 'migration.sql'), 'utf8');
  expect(init).toContain('CREATE TABLE "CustomerOrders"');
  expect(init).toContain(readFileSync(join(ROOT, 'prisma', 'platform.sql.part'), 'utf8'));
  expect(readFileSync(join(copy, 'prisma', NAME, 'schema.prisma'), 'utf8')).toContain(readFileSync(join(ROOT, 'prisma', 'platform.prisma.part'), 'utf8'));

  const registryBefore = readFileSync(join(ROOT, 'subgraphs', 'registry.ts'), 'utf8').split('\n');
  const registryAfter = readFileSync(join(copy, 'subgraphs', 'registry.ts'), 'utf8').split('\n');
  const added = registryAfter.filter((l) => !registryBefore.includes(l));
  expect(added).toEqual([`  ${NAME}: { port: ${PORT}, start: (env: NodeJS.ProcessEnv) => import('./${NAME}/service').then((m) => m.startLoyalty(env)) },`]);
  expect(registryBefore.every((l) => registryAfter.includes(l))).toBe(true);

  const yaml = (p: string) => YAML.parse(readFileSync(join(p, 'supergraph.yaml'), 'utf8')).subgraphs;
  expect(yaml(copy)).toEqual({ ...yaml(ROOT), [NAME]: { routing_url: `http://127.0.0.1:${PORT}/graphql`, schema: { file: `./subgraphs/${NAME}/schema.graphql` } } });
  expect(guarded(copy)).toEqual(before);
});

test('composition is refreshed: the committed supergraph of the copy is its composition, with the new subgraph and its field', () => {
  const committed = readFileSync(join(copy, 'router', 'supergraph.graphql'), 'utf8');
  expect(composeSupergraph(join(copy, 'supergraph.yaml'))).toBe(committed);
  expect(Object.keys(subgraphsOf(committed)).sort()).toEqual([...CONTEXT_NAMES, NAME].sort());
  expect(committed).toMatch(/loyaltyMyOrders: LoyaltyCustomerOrders!.*@join__field\(graph: LOYALTY\)/);
  expect(readFileSync(join(copy, 'router', 'public-schema.graphql'), 'utf8')).toMatch(/loyaltyMyOrders: LoyaltyCustomerOrders!/);
  // The monitoring component, generated from the registry, watches it too.
  expect(readFileSync(join(copy, 'k8s', 'components', 'monitoring', 'service-monitors.yaml'), 'utf8')).toMatch(new RegExp(`name: ${NAME}\\b`));
});

describe('its Kubernetes manifests', () => {
  /** Every text file under k8s/ (the generated monitoring component aside), by path. */
  const k8sFiles = (root: string) => Object.keys(hashes(root, ['k8s'], (p) => p.startsWith('k8s/components/monitoring'))).sort();

  test('it writes k8s/base/<name>.yaml and only adds lines to the shared manifests (MIGRATE_CONTEXTS gains its name)', () => {
    expect(generated.stdout).toContain(`k8s/base/${NAME}.yaml`);
    expect(k8sFiles(copy)).toEqual([...k8sFiles(ROOT), `k8s/base/${NAME}.yaml`].sort());
    const changed: string[] = [];
    for (const path of k8sFiles(ROOT)) {
      const before = readFileSync(join(ROOT, path), 'utf8').split('\n');
      const after = readFileSync(join(copy, path), 'utf8')
        .replace(new RegExp(`^(\\s+value: [a-z0-9,]+),${NAME}$`, 'm'), '$1')
        .split('\n');
      if (after.join('\n') === before.join('\n')) continue;
      changed.push(path);
      // The old lines, in order, are all still there: the generator inserted, it rewrote nothing.
      let i = 0;
      for (const line of after) if (line === before[i]) i++;
      expect({ path, keptInOrder: i }).toEqual({ path, keptInOrder: before.length });
    }
    expect(changed.sort()).toEqual(
      [
        'k8s/base/config.env',
        'k8s/base/kustomization.yaml',
        'k8s/base/migrations-job.yaml',
        'k8s/base/network-policies.yaml',
        'k8s/components/cnpg/clusters.yaml',
        'k8s/components/cnpg/network-policies.yaml',
        'k8s/components/cnpg/patches.yaml',
        'k8s/overlays/dev/kustomization.yaml',
        'k8s/overlays/production/kustomization.yaml',
        'k8s/overlays/production/pdb.yaml',
      ].sort(),
    );
  });

  test('a second run changes nothing; a manifest without the expected anchor stops the step before any file is written', () => {
    const names = { name: NAME, pascal: 'Loyalty' };
    const k8sBefore = hashes(copy, ['k8s']);
    expect(writeKubernetesManifests(copy, names, PORT, CONTEXT_NAMES)).toEqual([]);
    expect(hashes(copy, ['k8s'])).toEqual(k8sBefore);

    const other = mkdtempSync(join(tmpdir(), 'og-new-context-k8s-'));
    try {
      cpSync(join(ROOT, 'k8s'), join(other, 'k8s'), { recursive: true });
      // A config.env whose router URLs were renamed: no SUBGRAPH_URL_<CONTEXT> line to follow.
      const env = join(other, 'k8s', 'base', 'config.env');
      writeFileSync(env, readFileSync(env, 'utf8').replaceAll('SUBGRAPH_URL_', 'ROUTER_SUBGRAPH_'));
      const untouched = hashes(other, ['k8s']);
      expect(() => writeKubernetesManifests(other, { name: 'ledger', pascal: 'Ledger' }, PORT + 1, CONTEXT_NAMES)).toThrow(/k8s\/base\/config\.env: a SUBGRAPH_URL_<CONTEXT> line not found/);
      expect(hashes(other, ['k8s'])).toEqual(untouched);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('both overlays of the copy render with it: its Deployment in each, its database in dev, its Cluster and PDB in production', () => {
    const dev = render(join(copy, 'k8s', 'overlays', 'dev'));
    const production = render(join(copy, 'k8s', 'overlays', 'production'));
    for (const objects of [dev, production]) {
      expect(named(objects, 'Deployment', NAME).spec.template.spec.containers[0].args).toEqual([`dist/subgraphs/${NAME}/main.js`]);
      expect(named(objects, 'Service', NAME).spec.ports[0].port).toBe(PORT);
    }
    const devDb = dev.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('ordergraph-db'))!;
    expect(Buffer.from(devDb.data[`DATABASE_URL_${NAME.toUpperCase()}`], 'base64').toString()).toMatch(new RegExp(`/ordergraph_${NAME}$`));
    expect(named(production, 'Cluster', `${NAME}-db`).spec.bootstrap.initdb.database).toBe(NAME);
    expect(named(production, 'PodDisruptionBudget', NAME).spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': NAME });
    expect(named(production, 'Deployment', NAME).spec.replicas).toBe(2);
  });

  test("the copy passes test/contracts/k8s.test.ts, every check of which covers each of the copy's registry contexts", async () => {
    // Jest in the copy, on its k8s test alone: its global setup (build, PostgreSQL) is not needed to render manifests.
    const aside = mkdtempSync(join(tmpdir(), 'og-new-context-jest-'));
    try {
      const noop = join(aside, 'noop.js');
      writeFileSync(noop, 'module.exports = async () => {};\n');
      const report = join(aside, 'report.json');
      const child = spawnChild(
        process.execPath,
        [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--ci', '--globalSetup', noop, '--globalTeardown', noop, '--json', '--outputFile', report, 'test/contracts/k8s.test.ts'],
        { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect({ report: existsSync(report), output: existsSync(report) ? '' : output.slice(-4000) }).toEqual({ report: true, output: '' });
      const result = JSON.parse(readFileSync(report, 'utf8'));
      const files = result.testResults.map((f: any) => relative(copy, f.name));
      const failed = result.testResults.flatMap((f: any) => f.assertionResults.filter((a: any) => a.status !== 'passed').map((a: any) => `${a.fullName}: ${a.failureMessages.join('\n').slice(0, 1500)}`));
      // A file that cannot even load (kustomize refuses to render) fails as a whole: its message.
      const broken = result.testResults.filter((f: any) => f.status === 'failed' && f.assertionResults.length === 0).map((f: any) => String(f.message).slice(0, 3000));
      expect({ code, files, broken, failed }).toEqual({ code: 0, files: ['test/contracts/k8s.test.ts'], broken: [], failed: [] });
      expect(result.numPassedTests).toBeGreaterThan(20);
    } finally {
      rmSync(aside, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('started with the others behind the composed router', () => {
  let stack: Stack;
  let db: TestDatabases;
  let child: ChildProcess | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    stack = await startStack({
      contexts: ['catalog', 'ordering', 'payment'],
      supergraphPath: join(copy, 'router', 'supergraph.graphql'),
      // A busy machine's first (cold) payment call may exceed the production 610 ms.
      env: { SUBGRAPH_URL_LOYALTY: `http://127.0.0.1:${port}/graphql`, PAYMENT_TIMEOUT_MS: '5000' },
    });
    db = await createTestDatabases([NAME]);
    // The new context runs from the copy, as `npm start` would run it there.
    child = spawnChild(process.execPath, ['--import', 'tsx', join(copy, 'subgraphs', NAME, 'main.ts')], {
      cwd: copy,
      env: { ...stack.envFor('catalog'), ...db.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(() => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok), `${NAME} to become ready`, 60_000, 200);
    await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count({ where: { id: 'donut' } })) === 1, 'ordering to learn the catalog', 30_000);
  }, 180_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL'); // nothing to keep: its database is dropped next
      await exited;
    }
    await stack?.close();
    await db?.drop();
  }, 120_000);

  test('a paid order placed through the router reaches the new context\'s read model, read through the router', async () => {
    const me = stack.customer('c-new-context');
    const MINE = `{ ${NAME}MyOrders { customerId orders amount lastOrderId } }`;
    expect((await me.gql(MINE)).data).toEqual({ [`${NAME}MyOrders`]: { customerId: 'c-new-context', orders: 0, amount: 0, lastOrderId: null } });
    const placed = await me.gql('mutation { placeOrder(input: { productId: "donut", qty: 2 }) { id status amount } }');
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder).toMatchObject({ status: 'PAID', amount: 4000 });
    const seen = await waitFor(async () => {
      const r = (await me.gql(MINE)).data?.[`${NAME}MyOrders`];
      return r?.orders > 0 ? r : undefined;
    }, `${NAME} to consume ordering's OrderPlaced`, 30_000);
    expect(seen).toEqual({ customerId: 'c-new-context', orders: 1, amount: 4000, lastOrderId: placed.data.placeOrder.id });
  });
});
