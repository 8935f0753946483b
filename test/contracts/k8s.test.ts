// The Kubernetes manifests (k8s/, README "Deploy") as a platform team would apply them:
// every overlay renders with the real kustomize, every object validates against the API
// schemas offline, and the rules the project holds its deployments to are checked on the
// rendered output (probes, resources, pinned images, non-root, drain timing, PDBs, secrets,
// autoscalers, who may reach whom).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CONTEXT_NAMES, CONTEXTS, ROUTER_PORT } from '../../subgraphs/registry';
import { byKind, K8S, named, podSpecOf, render, ROOT, schemaProblems, type K8sObject } from './k8s-render';

const dev = render(join(K8S, 'overlays', 'dev'));
const production = render(join(K8S, 'overlays', 'production'));
const PROCESSES = ['router', ...CONTEXT_NAMES];

/** Every container of every workload, with where it is. */
const containersOf = (objects: K8sObject[]) =>
  objects.flatMap((o) => {
    const spec = podSpecOf(o);
    if (!spec) return [];
    return [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({ owner: o, spec, c, where: `${o.kind} ${o.metadata.name} container ${c.name}` }));
  });

const configOf = (objects: K8sObject[]) => byKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('ordergraph-config'))!.data as Record<string, string>;

describe.each([
  ['dev', dev],
  ['production', production],
])('overlays/%s', (_name, objects) => {
  it('renders, and every object validates against its Kubernetes API schema', () => {
    expect(objects.length).toBeGreaterThan(40);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it('runs every context of the registry and the router, each with its ServiceAccount and a Service on its port', () => {
    for (const name of PROCESSES) {
      const d = named(objects, 'Deployment', name);
      const port = name === 'router' ? ROUTER_PORT : CONTEXTS[name as keyof typeof CONTEXTS].port;
      const c = d.spec.template.spec.containers[0];
      expect(c.args).toEqual([name === 'router' ? 'dist/router/main.js' : `dist/subgraphs/${name}/main.js`]);
      expect(c.ports).toEqual([{ name: 'http', containerPort: port }]);
      expect(c.env).toContainEqual({ name: 'PORT', value: String(port) });
      expect(named(objects, 'ServiceAccount', d.spec.template.spec.serviceAccountName).automountServiceAccountToken).toBe(false);
      const svc = named(objects, 'Service', name);
      expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
      expect(svc.spec.ports[0].port).toBe(port);
    }
  });

  it('gives every container probes (long-running workloads), requests and limits, a pinned image, and a locked-down security context', () => {
    const problems: string[] = [];
    for (const { owner, spec, c, where } of containersOf(objects)) {
      const longRunning = owner.kind !== 'Job';
      if (longRunning) for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) if (!c[p]) problems.push(`${where}: no ${p}`);
      for (const r of ['requests', 'limits']) for (const k of ['cpu', 'memory']) if (!c.resources?.[r]?.[k]) problems.push(`${where}: no resources.${r}.${k}`);
      const [, tag] = /^[^@]+?(?::([^/:@]+))?(?:@sha256:[a-f0-9]{64})?$/.exec(c.image) ?? [];
      if (!tag || tag === 'latest') problems.push(`${where}: image ${c.image} is not pinned to a tag`);
      const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
      const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
      if (nonRoot !== true || uid === 0) problems.push(`${where}: not runAsNonRoot`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: root file system is writable`);
      if (!(c.securityContext?.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities not dropped (ALL)`);
      if ((c.securityContext?.seccompProfile ?? spec.securityContext?.seccompProfile)?.type !== 'RuntimeDefault') problems.push(`${where}: seccomp is not RuntimeDefault`);
    }
    expect(problems).toEqual([]);
  });

  it("probes the processes' real endpoints: live for start-up and liveness, ready for readiness", () => {
    for (const name of PROCESSES) {
      const c = named(objects, 'Deployment', name).spec.template.spec.containers[0];
      expect([c.startupProbe.httpGet.path, c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(['/health/live', '/health/ready', '/health/live']);
      for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(p.httpGet.port).toBe('http');
    }
  });

  it('lets endpoints drain before the process stops: grace period > preStop delay + SHUTDOWN_TIMEOUT_MS', () => {
    const shutdownMs = Number(configOf(objects).SHUTDOWN_TIMEOUT_MS);
    expect(shutdownMs).toBeGreaterThan(0);
    for (const name of PROCESSES) {
      const spec = named(objects, 'Deployment', name).spec.template.spec;
      const [cmd, seconds] = spec.containers[0].lifecycle.preStop.exec.command;
      expect(cmd).toBe('sleep');
      expect(Number(seconds)).toBeGreaterThanOrEqual(3);
      expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(seconds) * 1000 + shutdownMs);
    }
  });

  it('spreads replicas over machines and zones', () => {
    for (const name of PROCESSES) {
      const spread = named(objects, 'Deployment', name).spec.template.spec.topologySpreadConstraints;
      expect(spread.map((t: any) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      for (const t of spread) expect(t.labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
    }
  });

  it('ships the committed supergraph as a generated ConfigMap, mounted where SUPERGRAPH_PATH points', () => {
    const sg = byKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('supergraph-'))!;
    expect(sg.data['supergraph.graphql']).toBe(readFileSync(join(ROOT, 'router', 'supergraph.graphql'), 'utf8'));
    const router = named(objects, 'Deployment', 'router').spec.template.spec;
    const volume = router.volumes.find((v: any) => v.configMap?.name === sg.metadata.name);
    const mount = router.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
    expect(configOf(objects).SUPERGRAPH_PATH).toBe(`${mount.mountPath}/supergraph.graphql`);
  });

  it('points the router at every subgraph Service and the two synchronous callers at theirs', () => {
    const config = configOf(objects);
    for (const name of CONTEXT_NAMES) expect(config[`SUBGRAPH_URL_${name.toUpperCase()}`]).toBe(`http://${name}:${CONTEXTS[name].port}/graphql`);
    expect(config.PAYMENT_URL).toBe(`http://payment:${CONTEXTS.payment.port}`);
    expect(config.NOTIFICATION_URL).toBe(`http://notification:${CONTEXTS.notification.port}`);
    expect(config.NATS_URL).toBe('nats://nats:4222');
    expect(config.HOST).toBe('0.0.0.0');
  });

  it('takes ROUTER_TOKEN, INTERNAL_TOKEN and each DATABASE_URL_<CONTEXT> from Secrets, never from the ConfigMap', () => {
    const config = configOf(objects);
    expect(Object.keys(config).filter((k) => /TOKEN|DATABASE_URL|JWT_PUBLIC_KEY|PASSWORD/.test(k))).toEqual([]);
    for (const name of PROCESSES) {
      const env = named(objects, 'Deployment', name).spec.template.spec.containers[0].env as any[];
      const wanted = ['ROUTER_TOKEN', 'INTERNAL_TOKEN', ...(name === 'router' || name === 'notification' ? [] : [`DATABASE_URL_${name.toUpperCase()}`])];
      for (const w of wanted) expect(env.find((e) => e.name === w)?.valueFrom?.secretKeyRef?.name).toBeTruthy();
    }
  });

  it('runs NATS as a 3-node JetStream cluster with a volume per node, routes between them and a PDB', () => {
    const nats = named(objects, 'StatefulSet', 'nats');
    expect(nats.spec.replicas).toBe(3);
    expect(nats.spec.volumeClaimTemplates.map((v: any) => v.metadata.name)).toEqual(['data']);
    const conf = named(objects, 'ConfigMap', 'nats-config').data['nats.conf'] as string;
    expect(conf).toMatch(/jetstream\s*{[^}]*store_dir: \/data/);
    for (const i of [0, 1, 2]) expect(conf).toContain(`nats://nats-${i}.nats-headless:6222`);
    expect(named(objects, 'Service', 'nats-headless').spec.clusterIP).toBe('None');
    expect(named(objects, 'PodDisruptionBudget', 'nats').spec.maxUnavailable).toBe(1);
  });

  it('has a migrations Job for every PostgreSQL context (notification migrates its own SQLite file at start)', () => {
    const job = named(objects, 'Job', 'migrate');
    const c = job.spec.template.spec.containers[0];
    expect(c.args).toEqual(['dist/scripts/migrate.js']);
    const listed = c.env.find((e: any) => e.name === 'MIGRATE_CONTEXTS').value.split(',');
    expect([...listed, 'notification'].sort()).toEqual([...CONTEXT_NAMES].sort());
    for (const name of listed) expect(c.env.find((e: any) => e.name === `DATABASE_URL_${name.toUpperCase()}`)?.valueFrom?.secretKeyRef).toBeTruthy();
  });

  it("keeps notification's SQLite file on a volume, with one replica that is never doubled (Recreate)", () => {
    const d = named(objects, 'Deployment', 'notification');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.type).toBe('Recreate');
    const claim = d.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    expect(named(objects, 'PersistentVolumeClaim', claim).spec.accessModes).toEqual(['ReadWriteOnce']);
    const env = d.spec.template.spec.containers[0].env;
    const mount = d.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === 'data');
    expect(env.find((e: any) => e.name === 'DATA_DIR').value).toBe(mount.mountPath);
  });

  describe('NetworkPolicies', () => {
    const policies = byKind(objects, 'NetworkPolicy');
    const labelsOf = (app: string) => {
      const o = objects.find((x) => podSpecOf(x) && x.spec.template.metadata.labels['app.kubernetes.io/name'] === app);
      if (!o) throw new Error(`no workload ${app}`);
      return o.spec.template.metadata.labels as Record<string, string>;
    };
    const matches = (selector: any, labels: Record<string, string>) =>
      Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && !(selector?.matchExpressions?.length);
    /** Whether a pod (labels; or from another namespace) may connect to `target`'s pods, as the cluster decides it. */
    function allowed(from: { labels: Record<string, string>; otherNamespace?: boolean }, target: string): boolean {
      const targetLabels = labelsOf(target);
      const selecting = policies.filter((p) => (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') && matches(p.spec.podSelector, targetLabels));
      if (selecting.length === 0) return true;
      return selecting.some((p) =>
        (p.spec.ingress ?? []).some((rule: any) => {
          if (!rule.from) return true;
          return rule.from.some((peer: any) => {
            if (peer.ipBlock) return true;
            if (peer.namespaceSelector) return !!from.otherNamespace && Object.keys(peer.namespaceSelector).length === 0;
            return !from.otherNamespace && matches(peer.podSelector, from.labels);
          });
        }),
      );
    }

    it('lets only the router be reached from outside the namespace', () => {
      const outside = { labels: {}, otherNamespace: true };
      expect(PROCESSES.filter((t) => allowed(outside, t))).toEqual(['router']);
      expect(allowed(outside, 'nats')).toBe(false);
    });

    it('lets a subgraph accept the router and its named synchronous callers only (ordering → payment, rewards → notification)', () => {
      const callers: Record<string, string[]> = { payment: ['router', 'ordering'], notification: ['router', 'rewards'] };
      for (const target of CONTEXT_NAMES) {
        const reach = PROCESSES.filter((from) => from !== target && allowed({ labels: labelsOf(from) }, target));
        expect({ target, reach }).toEqual({ target, reach: callers[target] ?? ['router'] });
      }
    });

    it('lets every process and the migrations Job reach NATS', () => {
      for (const from of [...PROCESSES, 'migrate']) expect({ from, nats: allowed({ labels: labelsOf(from) }, 'nats') }).toEqual({ from, nats: true });
    });
  });
});

describe('overlays/dev', () => {
  it('marks every Secret value it carries as a development value', () => {
    const secrets = byKind(dev, 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.metadata.annotations?.['ordergraph.dev/values']).toBe('development-only');
  });

  it('runs one PostgreSQL instance with a volume, reachable by the contexts and the migrations Job', () => {
    const pg = named(dev, 'StatefulSet', 'postgres');
    expect(pg.spec.replicas).toBe(1);
    expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeTruthy();
    const db = byKind(dev, 'Secret').find((s) => s.metadata.name.startsWith('ordergraph-db'))!;
    const urls = Object.values(db.data as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString());
    for (const u of urls) expect(new URL(u).host).toBe('postgres:5432');
  });
});

describe('overlays/production', () => {
  it('carries no Secret value (secrets are created in the cluster, README "Deploy")', () => {
    const withValues = byKind(production, 'Secret').filter((s) => Object.keys(s.data ?? {}).length + Object.keys(s.stringData ?? {}).length > 0);
    expect(withValues.map((s) => s.metadata.name)).toEqual([]);
  });

  it('gives every Deployment a PodDisruptionBudget that selects its pods', () => {
    const pdbs = byKind(production, 'PodDisruptionBudget');
    for (const d of byKind(production, 'Deployment')) {
      const labels = d.spec.template.metadata.labels;
      const covering = pdbs.filter((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect({ deployment: d.metadata.name, pdbs: covering.length }).toEqual({ deployment: d.metadata.name, pdbs: 1 });
    }
  });

  it('autoscales the router, payment (CPU 50 %, 1..10, as the bakery) and mypage (as rewards), and leaves their replica count to the HPA', () => {
    const hpa = (name: string) => {
      const h = named(production, 'HorizontalPodAutoscaler', name);
      const cpu = h.spec.metrics.find((m: any) => m.resource?.name === 'cpu').resource.target.averageUtilization;
      expect(h.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(named(production, 'Deployment', name).spec.replicas).toBeUndefined();
      const requests = named(production, 'Deployment', name).spec.template.spec.containers[0].resources.requests.cpu;
      return { min: h.spec.minReplicas, max: h.spec.maxReplicas, cpu, hasCpuRequest: !!requests };
    };
    expect(hpa('payment')).toEqual({ min: 1, max: 10, cpu: 50, hasCpuRequest: true });
    expect(hpa('mypage')).toEqual({ min: 1, max: 10, cpu: 20, hasCpuRequest: true });
    expect(hpa('router')).toMatchObject({ min: 2, hasCpuRequest: true });
  });

  it('runs streams with three replicas, NATS nodes on separate machines, and several replicas of each stateless context', () => {
    expect(configOf(production).NATS_STREAM_REPLICAS).toBe('3');
    expect(configOf(dev).NATS_STREAM_REPLICAS).toBe('1');
    const anti = named(production, 'StatefulSet', 'nats').spec.template.spec.affinity.podAntiAffinity;
    expect(anti.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    for (const name of ['catalog', 'ordering', 'delivery', 'inventory', 'rental', 'rewards']) expect(named(production, 'Deployment', name).spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('gives each PostgreSQL context its own CloudNativePG Cluster and reads its URL from the Secret the operator makes', () => {
    const postgresContexts = CONTEXT_NAMES.filter((c) => c !== 'notification');
    for (const c of postgresContexts) {
      const cluster = named(production, 'Cluster', `${c}-db`);
      expect(cluster.spec.instances).toBeGreaterThanOrEqual(2);
      const env = named(production, 'Deployment', c).spec.template.spec.containers[0].env;
      expect(env.find((e: any) => e.name === `DATABASE_URL_${c.toUpperCase()}`).valueFrom.secretKeyRef).toEqual({ name: `${c}-db-app`, key: 'uri' });
    }
    expect(byKind(production, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['nats']);
  });

  it('pins the image by tag', () => {
    const images = new Set(production.flatMap((o) => (podSpecOf(o)?.containers ?? []).map((c: any) => c.image)).filter((i) => i.includes('ordergraph')));
    expect([...images]).toEqual([expect.stringMatching(/^[\w./-]+\/ordergraph:\d+\.\d+\.\d+$/)]);
  });
});

describe('components/keda (optional)', () => {
  let dir: string;
  let objects: K8sObject[];
  beforeAll(() => {
    // An overlay of production with the component, as a platform team would write it.
    dir = mkdtempSync(join(tmpdir(), 'og-kustomize-'));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      // kustomize takes relative paths only.
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(dir, join(K8S, 'overlays', 'production'))}\ncomponents:\n  - ${relative(dir, join(K8S, 'components', 'keda'))}\n`,
    );
    objects = render(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates, and scales consumers on the lag of durable consumers that exist, never a Deployment another HPA owns', () => {
    expect(objects.flatMap(schemaProblems)).toEqual([]);
    const scaled = byKind(objects, 'ScaledObject');
    expect(scaled.length).toBeGreaterThan(0);
    const hpaTargets = byKind(objects, 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name);
    for (const so of scaled) {
      const target = so.spec.scaleTargetRef.name;
      named(objects, 'Deployment', target);
      expect(hpaTargets).not.toContain(target);
      expect(target).not.toBe('notification');
      for (const t of so.spec.triggers) {
        expect(t.type).toBe('nats-jetstream');
        // <context>--<policy> (platform/consumer.ts), a policy the context really has.
        const [context, policy] = t.metadata.consumer.split('--');
        expect(context).toBe(target);
        expect(readFileSync(join(ROOT, 'subgraphs', context, 'policies.ts'), 'utf8')).toContain(`name: '${policy}'`);
      }
    }
  });
});
