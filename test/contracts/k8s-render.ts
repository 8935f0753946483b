// Renders the kustomize trees under k8s/ with the real `kubectl kustomize` (offline) and
// validates objects against the Kubernetes API schemas (kubernetes-models, plus the CRD
// models of CloudNativePG, KEDA and the Prometheus Operator). Shared by k8s.test.ts and dockerfile.test.ts.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import YAML from 'yaml';

export const ROOT = resolve(__dirname, '..', '..');
export const K8S = resolve(ROOT, 'k8s');

/** A rendered Kubernetes object, loosely typed: the tests read what they check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

const INSTALL_HINT =
  'kubectl (with its built-in kustomize) is needed to check the manifests. Install it: ' +
  'Debian/Ubuntu `sudo apt-get install kubectl` (from the Kubernetes apt repository, pkgs.k8s.io), ' +
  'macOS `brew install kubectl`, or see https://kubernetes.io/docs/tasks/tools/';

/** Fails (never skips) when kubectl is missing: the manifests are part of what CI checks. */
export function requireKubectl(): void {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${INSTALL_HINT}\n(${r.error?.message ?? r.stderr})`);
}

/** `kubectl kustomize DIR`, parsed: every object it renders. Throws with kustomize's own message. */
export function render(dir: string): K8sObject[] {
  requireKubectl();
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  const objects = YAML.parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  // kustomize folds long base64 values over lines; the API server's decoder skips the line
  // breaks (Go's base64), the schema's "byte" format does not: compare what the server reads.
  for (const o of objects) {
    if (o.kind !== 'Secret' || !o.data) continue;
    for (const k of Object.keys(o.data)) o.data[k] = String(o.data[k]).replace(/\s+/g, '');
  }
  return objects;
}

/** The model class for an apiVersion/kind, from kubernetes-models or a CRD model package; undefined when none knows it. */
function modelOf(apiVersion: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
  // Core objects are `v1/<Kind>`, the others `<group>/<version>/<Kind>`: the apiVersion is the path.
  const candidates = [
    `kubernetes-models/${apiVersion}/${kind}`,
    `@kubernetes-models/cloudnative-pg/${apiVersion}/${kind}`,
    `@kubernetes-models/keda/${apiVersion}/${kind}`,
    `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`,
  ];
  for (const c of candidates) {
    try {
      const mod = require(c) as Record<string, unknown>;
      const model = mod[kind] ?? mod.default;
      if (typeof model === 'function') return model as new (data: unknown) => { validate(): void };
    } catch {
      // not this package
    }
  }
  return undefined;
}

/**
 * Validates one object against its API schema; returns the problems (empty when valid).
 * An object no model package knows is a problem too: nothing ships unvalidated.
 */
export function schemaProblems(o: K8sObject): string[] {
  const Model = modelOf(o.apiVersion, o.kind);
  const where = `${o.kind} ${o.metadata?.name} (${o.apiVersion})`;
  if (!Model) return [`${where}: no schema model for this apiVersion/kind`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [`${where}: ${(e as Error).message}`];
  }
}

export const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
export const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
};

/** The pod template of a workload (Deployment, StatefulSet, Job), or undefined for other kinds. */
export function podSpecOf(o: K8sObject): any | undefined {
  if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) return o.spec?.template?.spec;
  return undefined;
}

/** The entry points (`dist/...js`) the manifests run with `node` (the image's ENTRYPOINT). */
export function entryPointsOf(objects: K8sObject[]): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    for (const c of podSpecOf(o)?.containers ?? []) {
      const script = (c.args ?? []).find((a: string) => /^dist\/.+\.js$/.test(a));
      if (script) out.add(script);
    }
  }
  return [...out].sort();
}
