// `npm run new:context -- <name> [--port <port>]`: a new bounded context in one command.
//
// Writes a working context that joins by listening, without changing any existing one:
//   subgraphs/<name>/  schema.graphql (federation @link), service.ts, main.ts, db.ts,
//                      resolvers.ts, policies.ts (a sample policy: ordering's OrderPlaced →
//                      its own read model), <name>.component.test.ts, and its resolver types
//                      generated from the schema (generated/resolvers-types.ts, npm run codegen)
//   prisma/<name>/     schema.prisma (its model + the platform tables) and its first
//                      migration (scripts/migration-diff.ts, then the platform SQL part, as
//                      every context's *_init holds it), and its generated client
//   subgraphs/registry.ts  one line;  supergraph.yaml  one entry
//   router/supergraph.graphql and router/public-schema.graphql  composed again;
//   k8s/base/<name>.yaml  its Deployment, Service and ServiceAccount; and its entry in each
//                      shared manifest (router URL, migrations Job, NetworkPolicy, dev Secret,
//                      production replicas + PDB, CloudNativePG Cluster): writeKubernetesManifests
//   k8s/components/monitoring  regenerated (npm run monitoring:generate)
// Then: `npx jest subgraphs/<name>` and `npm start`. Guide: docs/new-context.md.
//
// Exit codes: 0 written, 1 refused (bad or taken name, port taken), 2 a step failed (what
// was written so far is listed, to remove with `git clean` / `git checkout`).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { composeSupergraph } from '../router/compose';
import { PUBLIC_SCHEMA_FILE, publicSchemaFileText, publicSchemaOf } from '../router/public-schema';

const ROOT = resolve(__dirname, '..');
const REGISTRY = join(ROOT, 'subgraphs', 'registry.ts');
const SUPERGRAPH_YAML = join(ROOT, 'supergraph.yaml');
const SUPERGRAPH_FILE = join(ROOT, 'router', 'supergraph.graphql');

/**
 * Names that are folders, streams, subjects, database names (`ordergraph_<name>`) and env
 * suffixes (`DATABASE_URL_<NAME>`): lowercase letters and digits only, since a hyphen is
 * not valid in an environment variable's name.
 */
const NAME = /^[a-z][a-z0-9]{1,29}$/;
/** Words the tools already use for something else (`migration:diff -- all`, top-level folders). */
const RESERVED = new Set(['all', 'router', 'platform', 'prisma', 'scripts', 'test', 'docs', 'k8s', 'registry', 'shared', 'generated']);

class Refused extends Error {}

export interface NewContextNames {
  /** kebab-free lowercase, e.g. `loyalty` */
  name: string;
  /** `Loyalty`: type-name prefix (types must not clash in the supergraph) */
  pascal: string;
}

/** Checks a context name against the rules above and against what exists; throws Refused with the reason. */
export function checkName(name: string | undefined, existing: string[]): NewContextNames {
  if (!name) throw new Refused('missing <name>: npm run new:context -- <name>   (e.g. loyalty)');
  if (!NAME.test(name)) throw new Refused(`invalid name "${name}": 2 to 30 lowercase letters and digits, starting with a letter (it becomes a folder, a NATS stream, DATABASE_URL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')})`);
  if (RESERVED.has(name)) throw new Refused(`"${name}" is reserved (used by the tools or as a folder)`);
  if (existing.includes(name)) throw new Refused(`a context named "${name}" already exists`);
  return { name, pascal: name[0].toUpperCase() + name.slice(1) };
}

/** Contexts that exist in any of the places a context lives: registry, supergraph.yaml, subgraphs/, prisma/. */
function existingContexts(): string[] {
  const registry = registryContexts();
  const yaml = Object.keys((YAML.parse(readFileSync(SUPERGRAPH_YAML, 'utf8')) as { subgraphs: object }).subgraphs);
  const dirs = (d: string) => readdirSync(join(ROOT, d), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  return [...new Set([...registry, ...yaml, ...dirs('subgraphs'), ...dirs('prisma')])];
}

/** The contexts of subgraphs/registry.ts, in its order. */
function registryContexts(): string[] {
  return [...readFileSync(REGISTRY, 'utf8').matchAll(/^\s{2}(\w+): \{ port:/gm)].map((m) => m[1]);
}

function registryPorts(): number[] {
  return [...readFileSync(REGISTRY, 'utf8').matchAll(/\bport: (\d+)/g)].map((m) => Number(m[1]));
}

// ---- templates ----

const schemaGraphql = ({ name, pascal }: NewContextNames) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

"A customer's paid orders as ${name} knows them: its own read model, built only from ordering's OrderPlaced events (the generator's sample; make it yours)."
type ${pascal}CustomerOrders {
  customerId: ID!
  "Paid orders seen."
  orders: Int!
  "Their amounts added up, in KRW."
  amount: Int!
  "The latest one; null before the first."
  lastOrderId: ID
  "When it was placed (ISO 8601); null before the first."
  lastOrderAt: String
}

type Query {
  "The signed-in customer's paid orders as ${name} saw them. Customers only. Errors: UNAUTHENTICATED, FORBIDDEN."
  ${name}MyOrders: ${pascal}CustomerOrders!
}
`;

const prismaSchema = ({ name }: NewContextNames) => `// The ${name} context's own database. Only subgraphs/${name}/db.ts imports the generated client.
generator client {
  provider     = "prisma-client"
  output       = "./generated"
  moduleFormat = "cjs"
}

datasource db {
  provider = "postgresql"
}

/// The sample read model: one row per customer, from ordering's OrderPlaced events. A
/// redelivered event changes nothing (the platform records it as processed in the same transaction).
model CustomerOrders {
  customerId  String    @id
  orders      Int       @default(0)
  amount      Int       @default(0)
  lastOrderId String?
  lastOrderAt DateTime?
  updatedAt   DateTime  @updatedAt
}
`;

const dbTs = ({ name, pascal }: NewContextNames) => `import { PrismaClient, type Prisma } from '../../prisma/${name}/generated/client';
import type { DriverAdapter } from '../../platform/database';

export type ${pascal}Db = PrismaClient;
export type ${pascal}Tx = Prisma.TransactionClient;
export const create${pascal}Client = (adapter: DriverAdapter) => new PrismaClient({ adapter });
`;

const policiesTs = ({ name, pascal }: NewContextNames) => `import { policy } from '../../platform/consumer';
import { OrderPlaced } from '../ordering/contracts';
import type { ${pascal}Tx } from './db';

/**
 * A paid order (ordering's OrderPlaced: an order stands once paid) counts for its customer in
 * ${name}'s read model. Ordering knows nothing of ${name}: it only listens. Runs in the
 * transaction that marks the event processed, so a redelivery is not counted twice.
 */
export const countPaidOrder = policy<${pascal}Tx, typeof OrderPlaced>({
  name: 'order-placed',
  event: OrderPlaced,
  async handle(tx, o) {
    const last = { lastOrderId: o.orderId, lastOrderAt: new Date(o.placedAt) };
    await tx.customerOrders.upsert({
      where: { customerId: o.customerId },
      create: { customerId: o.customerId, orders: 1, amount: o.amount, ...last },
      update: { orders: { increment: 1 }, amount: { increment: o.amount }, ...last },
    });
  },
});

export const ${name}Policies = [countPaidOrder];
`;

const resolversTs = ({ name, pascal }: NewContextNames) => `import { requireCustomer, type AuthContext } from '../../platform/auth';
import type { ${pascal}Db } from './db';
import type { Resolvers } from './generated/resolvers-types';

/** The customer id is always the signed-in customer's (never an argument). Typed from schema.graphql: run \`npm run codegen\` after changing it. */
export function ${name}Resolvers(db: ${pascal}Db) {
  return {
    Query: {
      ${name}MyOrders: async (_, _args, ctx) => {
        const customerId = requireCustomer(ctx);
        const row = await db.customerOrders.findUnique({ where: { customerId } });
        return {
          customerId,
          orders: row?.orders ?? 0,
          amount: row?.amount ?? 0,
          lastOrderId: row?.lastOrderId ?? null,
          lastOrderAt: row?.lastOrderAt?.toISOString() ?? null,
        };
      },
    },
  } satisfies Resolvers<AuthContext>;
}
`;

const serviceTs = ({ name, pascal }: NewContextNames, port: number) => `import { startContext, type ContextSpec } from '../../platform/service';
import { create${pascal}Client, type ${pascal}Db, type ${pascal}Tx } from './db';
import { ${name}Policies } from './policies';
import { ${name}Resolvers } from './resolvers';

/**
 * The ${name} context. Joins by listening to other contexts' events; publishes none yet (to
 * publish: contracts.ts with defineEvent, \`produces: true\`, addToOutbox in the transaction
 * that changes the state — see subgraphs/rewards for a context that does).
 */
export const ${name}Spec: ContextSpec<${pascal}Db, ${pascal}Tx, object, object> = {
  name: '${name}',
  defaultPort: ${port},
  dir: __dirname,
  createClient: create${pascal}Client,
  produces: false,
  build({ db }) {
    return { resolvers: ${name}Resolvers(db), policies: ${name}Policies };
  },
};

export const start${pascal} = (env: NodeJS.ProcessEnv = process.env) => startContext(${name}Spec, env);
`;

const mainTs = ({ name, pascal }: NewContextNames) => `import { runMain } from '../../platform/main';
import { start${pascal} } from './service';

runMain('${name}', () => start${pascal}());
`;

const componentTest = ({ name }: NewContextNames) => `// ${name} end to end: a customer's paid order, placed through the router, reaches ${name}'s
// read model through ordering's OrderPlaced event, once. Real nats-server, real PostgreSQL,
// the contexts an order needs (catalog, ordering, payment) and ${name}, in-process.
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';

let stack: Stack;
beforeAll(async () => {
  // PAYMENT_TIMEOUT_MS: a busy test machine's first (cold) payment call may exceed 610 ms.
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', '${name}'], env: { PAYMENT_TIMEOUT_MS: '5000' } });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count({ where: { id: 'donut' } })) === 1, 'ordering to learn the catalog', 30_000);
}, 120_000);
afterAll(() => stack?.close());

const MINE = '{ ${name}MyOrders { customerId orders amount lastOrderId } }';

test('a paid order counts once in the customer\\'s ${name} read model', async () => {
  const me = stack.customer('c-${name}');
  expect((await me.gql(MINE)).data.${name}MyOrders).toEqual({ customerId: 'c-${name}', orders: 0, amount: 0, lastOrderId: null });
  const placed = await me.gql('mutation { placeOrder(input: { productId: "donut", qty: 2 }) { id status amount } }');
  expect(placed.errors).toBeUndefined();
  expect(placed.data.placeOrder).toMatchObject({ status: 'PAID', amount: 4000 });
  const seen = await waitFor(async () => {
    const r = (await me.gql(MINE)).data?.${name}MyOrders;
    return r?.orders > 0 ? r : undefined;
  }, '${name} to count the order', 30_000);
  expect(seen).toEqual({ customerId: 'c-${name}', orders: 1, amount: 4000, lastOrderId: placed.data.placeOrder.id });
  // Another customer sees nothing of it.
  expect((await stack.customer('c-other').gql(MINE)).data.${name}MyOrders).toMatchObject({ orders: 0 });
});

test('only customers read it; only the router may call the subgraph', async () => {
  expect((await stack.admin().gql(MINE)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect((await subgraphGql(stack.services.${name}!.url, MINE, undefined, 'not-the-router-token')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
});
`;

// ---- Kubernetes (k8s/): what test/contracts/k8s.test.ts asks of every registry context ----
//
// A PostgreSQL context reached only by the router (it calls no one synchronously), as timeline:
// k8s/base/<name>.yaml is written whole; every other file gets its entry inserted after the
// last existing context's one (anchors below), never rewritten. An entry already there is
// left alone (a second run changes nothing); a missing anchor stops the step before any file
// is written, naming the file and what it looked for.

const k8sBase = ({ name }: NewContextNames, port: number) => {
  const NAME = name.toUpperCase();
  return `# ${name}: written by \`npm run new:context\` (a read model of ordering's OrderPlaced; reached by the router only).
# Probes, resources, securityContext, preStop and the shared env come from patches/process-defaults.yaml.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/component: subgraph
# No process talks to the Kubernetes API.
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/component: subgraph
spec:
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: http
      port: ${port}
      targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/component: subgraph
spec:
  # No replicas here: overlays set them, or an HPA owns them (an applied number would undo its scaling).
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # A new pod must be ready before an old one goes: capacity never drops during a rollout.
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
        app.kubernetes.io/component: subgraph
    spec:
      serviceAccountName: ${name}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: ${name}
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: ${name}
      containers:
        - name: app
          image: ordergraph
          args: [dist/subgraphs/${name}/main.js]
          ports:
            - name: http
              containerPort: ${port}
          env:
            - name: PORT
              value: "${port}"
            - name: DATABASE_URL_${NAME}
              valueFrom:
                secretKeyRef:
                  name: ordergraph-db
                  key: DATABASE_URL_${NAME}
`;
};

const k8sRouterOnlyPolicy = (name: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: router
      ports:
        - port: http`;

const k8sCnpgCluster = (name: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}-db
  labels:
    app.kubernetes.io/name: ${name}-db
    app.kubernetes.io/component: database
    ordergraph.dev/context: ${name}
spec:
  instances: 3
  imageName: ghcr.io/cloudnative-pg/postgresql:15.10
  primaryUpdateStrategy: unsupervised
  bootstrap:
    initdb:
      database: ${name}
      owner: ${name}
  storage:
    size: 10Gi
  resources:
    requests:
      cpu: 250m
      memory: 512Mi
    limits:
      cpu: "2"
      memory: 1Gi
  affinity:
    enablePodAntiAffinity: true
    topologyKey: kubernetes.io/hostname
    podAntiAffinityType: required
  inheritedMetadata:
    labels:
      ordergraph.dev/context: ${name}`;

const k8sCnpgPolicy = (name: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}-db
spec:
  podSelector:
    matchLabels:
      cnpg.io/cluster: ${name}-db
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: ${name}
        - podSelector:
            matchLabels:
              app.kubernetes.io/component: migrations
        - podSelector:
            matchLabels:
              cnpg.io/cluster: ${name}-db
      ports:
        - port: 5432
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: cnpg-system
      ports:
        - port: 8000
        - port: 5432`;

/** The env entry CloudNativePG's Secret gives a container (components/cnpg/patches.yaml), at indent `i`. */
const cnpgEnv = (name: string, i: string) =>
  `${i}- name: DATABASE_URL_${name.toUpperCase()}\n${i}  valueFrom:\n${i}    secretKeyRef:\n${i}      name: ${name}-db-app\n${i}      key: uri`;

const k8sCnpgDeploymentPatch = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: app
          env:
${cnpgEnv(name, '            ')}`;

const k8sPdb = (name: string) => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}`;

/** A k8s file's anchor was not found: nothing was written by the Kubernetes step. */
class AnchorMissing extends Error {}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Inserts `entry(match)` as new line(s) after the last match of `anchor` (a multi-line regex with the g flag); throws AnchorMissing when none matches. */
function insertAfterLast(text: string, anchor: RegExp, entry: (m: RegExpMatchArray) => string, file: string, what: string): string {
  const last = [...text.matchAll(anchor)].pop();
  if (!last || last.index === undefined) throw new AnchorMissing(`${file}: ${what} not found (looked for ${anchor})`);
  const at = last.index + last[0].length;
  return `${text.slice(0, at)}\n${entry(last)}${text.slice(at)}`;
}

/**
 * The documents of a multi-document YAML file as the text between its `---` lines, each with
 * its parsed value (the text is kept: comments and layout survive an insertion).
 */
function yamlDocs(text: string, file: string): { text: string; value: any }[] {
  return text.split(/\n---\n/).map((t, i) => {
    try {
      return { text: t, value: YAML.parse(t) };
    } catch (e) {
      throw new AnchorMissing(`${file}: document ${i + 1} does not parse as YAML (${(e as Error).message.split('\n')[0]})`);
    }
  });
}

/**
 * Inserts the document `doc` after the last document that `isAnchor` selects (the last
 * existing context's), keeping the file's spacing around `---`; unchanged when a document
 * of `kind` named `docName` is there already.
 */
function insertDocAfterLast(text: string, file: string, kind: string, docName: string, isAnchor: (v: any) => boolean, doc: string): string {
  const docs = yamlDocs(text, file);
  if (docs.some((d) => d.value?.kind === kind && d.value?.metadata?.name === docName)) return text;
  const i = docs.map((d) => isAnchor(d.value)).lastIndexOf(true);
  if (i < 0) throw new AnchorMissing(`${file}: no ${kind} of an existing context to insert ${kind} ${docName} after`);
  const trailing = /\n*$/.exec(docs[i].text)![0];
  const parts = docs.map((d) => d.text);
  parts.splice(i + 1, 0, doc.trimEnd() + trailing);
  return parts.join('\n---\n');
}

/**
 * Writes the context's Kubernetes manifests under `root`/k8s (see the comment above): its
 * Deployment, Service and ServiceAccount, the router's SUBGRAPH_URL_<NAME>, the migrations
 * Job's entry, its NetworkPolicy, the dev Secret's DATABASE_URL_<NAME>, production's replicas
 * (2) and PodDisruptionBudget, and its CloudNativePG Cluster, database NetworkPolicy and
 * Secret references. `existing`: the registry's contexts before this one (the anchors).
 * Idempotent. Returns the paths it changed, relative to `root`.
 * @throws AnchorMissing (before writing anything) when a file does not have the shape it expects.
 */
export function writeKubernetesManifests(root: string, names: NewContextNames, port: number, existing: string[]): string[] {
  const { name } = names;
  const NAME = name.toUpperCase();
  const ctx = `(?:${existing.map(escapeRe).join('|')})`;
  const isContext = (kind: string, suffix = '') => (v: any) => v?.kind === kind && existing.some((c) => v?.metadata?.name === `${c}${suffix}`);
  const edits: Record<string, (text: string, file: string) => string> = {
    'k8s/base/kustomization.yaml': (t, f) =>
      new RegExp(`^[ \\t]+- ${name}\\.yaml$`, 'm').test(t) ? t : insertAfterLast(t, new RegExp(`^([ \\t]+)- ${ctx}\\.yaml$`, 'gm'), (m) => `${m[1]}- ${name}.yaml`, f, "a context's line in resources"),
    'k8s/base/config.env': (t, f) =>
      new RegExp(`^SUBGRAPH_URL_${NAME}=`, 'm').test(t) ? t : insertAfterLast(t, /^SUBGRAPH_URL_\w+=.*$/gm, () => `SUBGRAPH_URL_${NAME}=http://${name}:${port}/graphql`, f, 'a SUBGRAPH_URL_<CONTEXT> line'),
    'k8s/base/migrations-job.yaml': (t, f) => {
      const list = /^([ \t]+- name: MIGRATE_CONTEXTS\n[ \t]+value: )([a-z0-9,]+)$/m.exec(t);
      if (!list) throw new AnchorMissing(`${f}: the MIGRATE_CONTEXTS entry (- name: MIGRATE_CONTEXTS / value: a,b,c) not found`);
      if (!list[2].split(',').includes(name)) t = t.replace(list[0], `${list[1]}${list[2]},${name}`);
      if (new RegExp(`- name: DATABASE_URL_${NAME}\\n`).test(t)) return t;
      return insertAfterLast(
        t,
        /^([ \t]+)- name: DATABASE_URL_(\w+)\n[ \t]+valueFrom: \{secretKeyRef: \{name: ordergraph-db, key: DATABASE_URL_\2\}\}$/gm,
        (m) => `${m[1]}- name: DATABASE_URL_${NAME}\n${m[1]}  valueFrom: {secretKeyRef: {name: ordergraph-db, key: DATABASE_URL_${NAME}}}`,
        f,
        'a DATABASE_URL_<CONTEXT> env entry from the ordergraph-db Secret',
      );
    },
    'k8s/base/network-policies.yaml': (t, f) => insertDocAfterLast(t, f, 'NetworkPolicy', name, isContext('NetworkPolicy'), k8sRouterOnlyPolicy(name)),
    'k8s/components/cnpg/clusters.yaml': (t, f) => insertDocAfterLast(t, f, 'Cluster', `${name}-db`, isContext('Cluster', '-db'), k8sCnpgCluster(name)),
    'k8s/components/cnpg/network-policies.yaml': (t, f) => insertDocAfterLast(t, f, 'NetworkPolicy', `${name}-db`, isContext('NetworkPolicy', '-db'), k8sCnpgPolicy(name)),
    'k8s/components/cnpg/patches.yaml': (t, f) => {
      t = insertDocAfterLast(t, f, 'Deployment', name, isContext('Deployment'), k8sCnpgDeploymentPatch(name));
      const docs = t.split(/\n---\n/);
      const job = yamlDocs(t, f).findIndex((d) => d.value?.kind === 'Job' && d.value?.metadata?.name === 'migrate');
      if (job < 0) throw new AnchorMissing(`${f}: the migrate Job's patch not found`);
      if (!docs[job].includes(`- name: DATABASE_URL_${NAME}\n`)) {
        docs[job] = insertAfterLast(
          docs[job],
          /^([ \t]+)- name: DATABASE_URL_\w+\n[ \t]+valueFrom:\n[ \t]+secretKeyRef:\n[ \t]+name: [a-z0-9]+-db-app\n[ \t]+key: uri$/gm,
          (m) => cnpgEnv(name, m[1]),
          f,
          "a DATABASE_URL_<CONTEXT> entry in the migrate Job's patch",
        );
      }
      return docs.join('\n---\n');
    },
    'k8s/overlays/dev/kustomization.yaml': (t, f) =>
      new RegExp(`^[ \\t]+- DATABASE_URL_${NAME}=`, 'm').test(t)
        ? t
        : insertAfterLast(t, /^([ \t]+- )DATABASE_URL_\w+=(\S*\/)ordergraph_\w+$/gm, (m) => `${m[1]}DATABASE_URL_${NAME}=${m[2]}ordergraph_${name}`, f, "a DATABASE_URL_<CONTEXT> literal of the ordergraph-db secretGenerator"),
    'k8s/overlays/production/kustomization.yaml': (t, f) =>
      new RegExp(`^[ \\t]+- name: ${name}\\n[ \\t]+count:`, 'm').test(t)
        ? t
        : insertAfterLast(t, new RegExp(`^([ \\t]+)- name: ${ctx}\\n[ \\t]+count: \\d+$`, 'gm'), (m) => `${m[1]}- name: ${name}\n${m[1]}  count: 2`, f, "a context's entry in replicas"),
    'k8s/overlays/production/pdb.yaml': (t, f) => insertDocAfterLast(t, f, 'PodDisruptionBudget', name, isContext('PodDisruptionBudget'), k8sPdb(name)),
  };
  // Every edit first, then every write: a missing anchor leaves all files as they were.
  const changed: { path: string; text: string }[] = [];
  for (const [path, edit] of Object.entries(edits)) {
    const full = join(root, path);
    if (!existsSync(full)) throw new AnchorMissing(`${path}: not found`);
    const before = readFileSync(full, 'utf8');
    let after: string;
    try {
      after = edit(before, path);
    } catch (e) {
      if (e instanceof AnchorMissing) e.message += `. No manifest under k8s/ was written: give the file back the shape the generator expects (as in main: one entry per context) or add ${name}'s entries by hand (as timeline's).`;
      throw e;
    }
    if (after !== before) changed.push({ path, text: after });
  }
  const base = `k8s/base/${name}.yaml`;
  const written: string[] = [];
  if (!existsSync(join(root, base))) {
    writeFileSync(join(root, base), k8sBase(names, port), { flag: 'wx' });
    written.push(base);
  }
  for (const c of changed) {
    writeFileSync(join(root, c.path), c.text);
    written.push(c.path);
  }
  return written;
}

// ---- steps ----

function run(args: string[], what: string): void {
  // `prisma generate` needs no schema engine but tries to download one unless this names a file (scripts/prisma-generate.mjs).
  const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
  try {
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}

/**
 * Creates the context. Returns the paths written or changed, relative to the repository.
 * @throws Refused for a bad or taken name or port; Error when a step fails.
 */
export function newContext(rawName: string | undefined, opts: { port?: number } = {}): { written: string[]; port: number } {
  const names = checkName(rawName, existingContexts());
  const { name } = names;
  const ports = registryPorts();
  const port = opts.port ?? Math.max(...ports) + 1;
  const registered = registryContexts();
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Refused(`invalid port ${opts.port}`);
  if (ports.includes(port) || port === 4000) throw new Refused(`port ${port} is taken by another context or the router`);

  const written: string[] = [];
  const write = (path: string, text: string) => {
    const full = join(ROOT, path);
    mkdirSync(resolve(full, '..'), { recursive: true });
    writeFileSync(full, text, { flag: 'wx' }); // never overwrite
    written.push(path);
  };
  try {
    const dir = `subgraphs/${name}`;
    write(`${dir}/schema.graphql`, schemaGraphql(names));
    write(`${dir}/db.ts`, dbTs(names));
    write(`${dir}/policies.ts`, policiesTs(names));
    write(`${dir}/resolvers.ts`, resolversTs(names));
    write(`${dir}/service.ts`, serviceTs(names, port));
    write(`${dir}/main.ts`, mainTs(names));
    write(`${dir}/${name}.component.test.ts`, componentTest(names));

    // The first migration the project's way: the engine's SQL for the context's own models,
    // then the platform tables verbatim, in schema and SQL alike (test/contracts/platform-schema.test.ts;
    // test/contracts/migrations-match-schema.test.ts checks that the two agree).
    write(`prisma/${name}/schema.prisma`, prismaSchema(names));
    run(['--import', 'tsx', 'scripts/migration-diff.ts', name, '--name', 'init'], 'migration-diff (init)');
    const migrations = join(ROOT, 'prisma', name, 'migrations');
    const init = readdirSync(migrations).find((d) => d.endsWith('_init'));
    if (!init) throw new Error('migration-diff wrote no init migration');
    written.push(`prisma/${name}/migrations/${init}/migration.sql`, `prisma/${name}/migrations/migration_lock.toml`);
    appendFileSync(join(migrations, init, 'migration.sql'), `\n${readFileSync(join(ROOT, 'prisma', 'platform.sql.part'), 'utf8')}`);
    appendFileSync(join(migrations, init, 'migration.sql'), `\n${readFileSync(join(ROOT, 'prisma', 'platform.later.sql.part'), 'utf8')}`);
    appendFileSync(join(ROOT, 'prisma', name, 'schema.prisma'), `\n${readFileSync(join(ROOT, 'prisma', 'platform.prisma.part'), 'utf8')}`);
    // Its resolver types from its schema, as `npm run codegen` writes every context's (codegen.ts finds the new folder).
    run([join(ROOT, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', 'codegen.ts'], 'graphql-codegen');
    written.push(`${dir}/generated/resolvers-types.ts`);
    // Its client, as `npm install` generates every context's (scripts/prisma-generate.mjs).
    run([join(ROOT, 'node_modules', 'prisma', 'build', 'index.js'), 'generate', '--schema', `prisma/${name}/schema.prisma`], 'prisma generate');

    // Registration: one line, one entry, both appended after the others.
    const registry = readFileSync(REGISTRY, 'utf8');
    const line = `  ${name}: { port: ${port}, start: (env: NodeJS.ProcessEnv) => import('./${name}/service').then((m) => m.start${names.pascal}(env)) },\n`;
    const end = registry.indexOf('} satisfies Record<');
    if (end < 0) throw new Error('subgraphs/registry.ts: the CONTEXTS object\'s end (`} satisfies Record<`) was not found');
    writeFileSync(REGISTRY, registry.slice(0, end) + line + registry.slice(end));
    written.push('subgraphs/registry.ts');
    const yaml = readFileSync(SUPERGRAPH_YAML, 'utf8');
    writeFileSync(
      SUPERGRAPH_YAML,
      `${yaml.replace(/\n*$/, '\n')}  ${name}:\n    routing_url: http://127.0.0.1:${port}/graphql\n    schema:\n      file: ./subgraphs/${name}/schema.graphql\n`,
    );
    written.push('supergraph.yaml');

    // Its Kubernetes manifests (k8s/): a file of its own and an entry in each shared one.
    written.push(...writeKubernetesManifests(ROOT, names, port, registered));

    // Composition refreshed (npm run compose) and the public API recorded (schema:check --write): additions only.
    const sdl = composeSupergraph(SUPERGRAPH_YAML);
    writeFileSync(SUPERGRAPH_FILE, sdl);
    writeFileSync(PUBLIC_SCHEMA_FILE, publicSchemaFileText(publicSchemaOf(sdl)));
    written.push('router/supergraph.graphql', 'router/public-schema.graphql');
    // The monitoring component is generated from the registry (npm run monitoring:generate).
    if (existsSync(join(ROOT, 'scripts', 'monitoring-manifests.ts'))) {
      run(['--import', 'tsx', 'scripts/monitoring-manifests.ts'], 'monitoring:generate');
      written.push('k8s/components/monitoring/ (regenerated)');
    }
  } catch (e) {
    (e as Error).message += `\n\nWritten or changed so far (remove with git clean -fd / git checkout --):\n${written.map((p) => `  ${p}`).join('\n')}`;
    throw e;
  }
  return { written, port };
}

function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: npm run new:context -- <name> [--port <port>]\n\nCreates subgraphs/<name>/ and prisma/<name>/, registers the context, composes the supergraph and writes its Kubernetes manifests (k8s/). See docs/new-context.md.');
    return;
  }
  if (positionals.length > 1) throw new Refused(`one name, please (got ${positionals.join(' ')})`);
  const port = values.port === undefined ? undefined : Number(values.port);
  const created = newContext(positionals[0], { port });
  const name = positionals[0];
  console.log(`created context ${name} (port ${created.port}):\n${created.written.map((p) => `  ${p}`).join('\n')}\n`);
  console.log(`next:\n  npx jest subgraphs/${name}    its test: a paid order reaches its read model\n  npm start                      runs it with the others\n  docs/new-context.md            what to change first`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`new:context: ${(e as Error).message}`);
    process.exit(e instanceof Refused ? 1 : 2);
  }
}
