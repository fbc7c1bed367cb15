// The deployment artefacts in deploy/: the Kubernetes manifests and the Grafana dashboard.
//
// - Every object of the kustomize base (its files as written, plus the ConfigMaps its configMapGenerator makes) is
//   validated against the Kubernetes JSON schema of its apiVersion and kind with kubernetes-models, and the
//   ServiceMonitor with @kubernetes-models/prometheus-operator. A kind without a model fails the test.
// - The base and the overlays are rendered with `kubectl kustomize` when kubectl is installed (it is not a
//   dependency of this project), and the rendered objects are checked the same way. Without kubectl that part is
//   skipped with a message.
// - On top of the schemas, checks of intent that a schema cannot express: replicas, probes on the admin port, the
//   security context, port 53 on UDP and TCP, the exact RBAC rules, the wiring between the objects, zone
//   files that are valid for the clusters the Deployment registers, and a peer group (when configured) that the
//   server's own settings reader accepts, with its files from Secrets and its port on a Service of its own.
// - The dashboard parses, and every metric its queries use is documented in docs/metrics.md (or is one of
//   prom-client's default process metrics).
//
// The schemas do not reject unknown fields (a misspelt key passes validate()); the checks of intent read the
// fields that matter by their exact names, so a misspelling there fails.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as kubernetesModels from 'kubernetes-models';
import * as prometheusOperatorModels from '@kubernetes-models/prometheus-operator';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import { MeridianMetrics } from '../../src/observability/metrics.js';
import { loadZoneDirectory } from '../../src/zone/load.js';
import { peerGroupConfig } from '../../src/cli/peer-flags.js';
import { parsePeerSpec } from '../../src/peers/settings.js';
import { formatZoneIssue } from '../../src/zone/model.js';

// Compiled tests run from dist/test/unit: the repository root is three levels up.
const repoPath = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const BASE = 'deploy/kubernetes/base';
const OVERLAYS = ['deploy/kubernetes/overlays/example', 'deploy/kubernetes/overlays/git-sync'] as const;
const DASHBOARD = 'deploy/grafana/meridian-dashboard.json';

const NAME_LABEL = 'app.kubernetes.io/name';
const COMPONENT_LABEL = 'app.kubernetes.io/component';
const APP = 'meridian';
const DNS_CONTAINER_PORT = 5353;
const ADMIN_PORT = 9153;
const MERIDIAN_UID = 1000;

// ------------------------------------------------------------------------------------------------ objects

interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [key: string]: unknown;
}

/** The objects of one kustomization, as files or as rendered. */
interface Manifests {
  readonly source: string;
  readonly objects: readonly K8sObject[];
  /** The kustomization's `namespace`, for objects written without one. */
  readonly namespace: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, where: string): K8sObject {
  assert.ok(isRecord(value), `${where}: a YAML document that is not a mapping`);
  assert.equal(typeof value.apiVersion, 'string', `${where}: no apiVersion`);
  assert.equal(typeof value.kind, 'string', `${where}: no kind`);
  assert.ok(isRecord(value.metadata) && typeof value.metadata.name === 'string', `${where}: no metadata.name`);
  return value as unknown as K8sObject;
}

function parseYamlObjects(text: string, where: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    assert.deepEqual(doc.errors.map(String), [], `${where}: YAML errors`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // an empty document (a trailing ---)
    objects.push(asObject(value, `${where} document ${index + 1}`));
  }
  return objects;
}

const describeObject = (o: K8sObject) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`;

function all<T>(m: Manifests, apiVersion: string, kind: string): (K8sObject & T)[] {
  return m.objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind) as (K8sObject & T)[];
}

function one<T>(m: Manifests, apiVersion: string, kind: string, predicate: (o: K8sObject & T) => boolean = () => true): K8sObject & T {
  const found = all<T>(m, apiVersion, kind).filter(predicate);
  assert.equal(found.length, 1, `${m.source}: expected exactly one matching ${apiVersion} ${kind}, found ${found.length}`);
  return found[0];
}

// ------------------------------------------------------------------------------------------------ schemas

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: unknown): { validate(): void };
}

/** Every model class exported by the packages, by "apiVersion/kind". */
function collectModels(root: unknown, into: Map<string, ModelClass>, seen = new Set<unknown>()): Map<string, ModelClass> {
  if (root === null || (typeof root !== 'object' && typeof root !== 'function') || seen.has(root)) return into;
  seen.add(root);
  if (typeof root === 'function') {
    const candidate = root as unknown as Partial<ModelClass>;
    if (typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string') {
      into.set(`${candidate.apiVersion}/${candidate.kind}`, root as unknown as ModelClass);
    }
    return into;
  }
  for (const value of Object.values(root)) collectModels(value, into, seen);
  return into;
}

const MODELS = collectModels(prometheusOperatorModels, collectModels(kubernetesModels, new Map()));

function validateSchema(object: K8sObject, source: string): void {
  const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  assert.ok(Model, `${source}: ${describeObject(object)}: no schema is known for this apiVersion and kind (a typo, or a kind this test must learn)`);
  try {
    new Model(structuredClone(object)).validate();
  } catch (error) {
    assert.fail(`${source}: ${describeObject(object)} does not match its schema: ${(error as Error).message}`);
  }
}

// ------------------------------------------------------------------------------------------------ loading

interface Kustomization {
  namespace?: string;
  configMapGenerator?: { name: string; files?: string[]; options?: { labels?: Record<string, string> } }[];
}

/** The base as written: every *.yaml beside kustomization.yaml, plus the ConfigMaps its generator makes. */
async function loadBaseFiles(): Promise<Manifests> {
  const dir = repoPath(BASE);
  const kustomization = (parseAllDocuments(await readFile(join(dir, 'kustomization.yaml'), 'utf8'))[0]?.toJS() ?? {}) as Kustomization;
  const objects: K8sObject[] = [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.ok(files.length > 0, `${BASE}: no manifests`);
  for (const file of files) objects.push(...parseYamlObjects(await readFile(join(dir, file), 'utf8'), `${BASE}/${file}`));
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const entry of generator.files ?? []) {
      const [key, path] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [basename(entry), entry];
      data[key] = await readFile(join(dir, path), 'utf8');
    }
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name, ...(generator.options?.labels ? { labels: generator.options.labels } : {}) },
      data,
    });
  }
  return { source: BASE, objects, namespace: kustomization.namespace };
}

/** Whether `kubectl` can be run here; it is optional (not a dependency of the project). */
const kubectlAvailable: boolean = (() => {
  const result = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
})();
const NO_KUBECTL = 'kubectl is not installed: rendering the kustomizations is skipped (the base files are still validated)';

function render(dir: string): Manifests {
  const output = execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { source: `kubectl kustomize ${dir}`, objects: parseYamlObjects(output, dir), namespace: undefined };
}

// ------------------------------------------------------------------------------------------------ helpers

const namespaceOf = (m: Manifests, o: K8sObject) => o.metadata.namespace ?? m.namespace;

function meridianDeployment(m: Manifests): K8sObject & IDeployment {
  return one<IDeployment>(m, 'apps/v1', 'Deployment', (d) => d.metadata.name === APP);
}

function podSpec(deployment: IDeployment): IPodSpec {
  const spec = deployment.spec?.template.spec;
  assert.ok(spec, 'the Deployment has no pod template spec');
  return spec;
}

function meridianContainer(deployment: IDeployment): IContainer {
  const container = podSpec(deployment).containers.find((c) => c.name === APP);
  assert.ok(container, `no container named ${APP}`);
  return container;
}

/** The value of `--flag=value` or `--flag value` in a container's args. */
function flag(container: IContainer, name: string): string | undefined {
  const args = container.args ?? [];
  for (const [i, arg] of args.entries()) {
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    if (arg === name) return args[i + 1];
  }
  return undefined;
}

function portOf(hostPort: string | undefined, what: string): number {
  const match = /:(\d+)$/.exec(hostPort ?? '');
  assert.ok(match, `${what}: '${hostPort}' is not HOST:PORT`);
  return Number(match[1]);
}

function envOf(container: IContainer, name: string): string | undefined {
  const entry = container.env?.find((e) => e.name === name);
  assert.equal(entry?.valueFrom, undefined, `env ${name} must be a literal value`);
  return entry?.value;
}

/** The container port that a Service or probe refers to by name, or by number and protocol. */
function resolvePort(container: IContainer, port: number | string, protocol = 'TCP'): { port: number; protocol: string } | undefined {
  const found = container.ports?.find((p) => (typeof port === 'number' ? p.containerPort === port && (p.protocol ?? 'TCP') === protocol : p.name === port));
  return found === undefined ? undefined : { port: found.containerPort, protocol: found.protocol ?? 'TCP' };
}

function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels?.[key] === value);
}

function podLabels(deployment: IDeployment): Readonly<Record<string, string>> {
  return deployment.spec?.template.metadata?.labels ?? {};
}

function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The volume mounted at the deepest mountPath that contains `path`. */
function volumeHolding(container: IContainer, path: string): { name: string; mountPath: string } | undefined {
  const normal = posix.normalize(path);
  return (container.volumeMounts ?? [])
    .filter((v) => normal === v.mountPath || normal.startsWith(`${v.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** The names of the clusters the Deployment registers: MERIDIAN_IN_CLUSTER and MERIDIAN_CLUSTERS. */
function registeredClusters(container: IContainer): { names: Set<string>; kubeconfigs: string[] } {
  const names = new Set<string>();
  const inCluster = envOf(container, 'MERIDIAN_IN_CLUSTER');
  if (inCluster) names.add(inCluster);
  const kubeconfigs: string[] = [];
  for (const spec of (envOf(container, 'MERIDIAN_CLUSTERS') ?? '').split(/[\s,]+/).filter(Boolean)) {
    const match = /^([^=\s]+)=([^#\s]+)(?:#\S+)?$/.exec(spec);
    assert.ok(match, `MERIDIAN_CLUSTERS entry '${spec}' is not NAME=KUBECONFIG[#CONTEXT]`);
    assert.ok(!names.has(match[1]), `cluster ${match[1]} registered twice`);
    names.add(match[1]);
    kubeconfigs.push(match[2]);
  }
  return { names, kubeconfigs };
}

// ------------------------------------------------------------------------------------------------ checks

interface Check {
  readonly name: string;
  run(m: Manifests): void | Promise<void>;
}

const CHECKS: readonly Check[] = [
  {
    name: 'every object validates against the schema of its apiVersion and kind',
    run(m) {
      assert.ok(m.objects.length > 0, `${m.source}: no objects`);
      for (const object of m.objects) validateSchema(object, m.source);
    },
  },
  {
    name: `every object is labelled ${NAME_LABEL}: ${APP}`,
    run(m) {
      for (const o of m.objects) assert.equal(o.metadata.labels?.[NAME_LABEL], APP, `${m.source}: ${describeObject(o)}`);
    },
  },
  {
    name: 'the Deployment runs at least two replicas, spread over nodes, that survive a drain one at a time',
    run(m) {
      const deployment = meridianDeployment(m);
      const replicas = deployment.spec?.replicas ?? 1;
      assert.ok(replicas >= 2, `${m.source}: ${replicas} replica(s)`);
      assert.ok(selects(deployment.spec?.selector.matchLabels, podLabels(deployment)), 'the selector must match the pod labels');
      const anti = podSpec(deployment).affinity?.podAntiAffinity;
      const terms = [
        ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
      ];
      assert.ok(
        terms.some((t) => t.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector?.matchLabels, podLabels(deployment))),
        'podAntiAffinity over kubernetes.io/hostname for the Meridian pods',
      );
      assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, 0, 'a rollout never takes a replica away before its successor is ready');
      assert.ok((podSpec(deployment).terminationGracePeriodSeconds ?? 0) > 0, 'terminationGracePeriodSeconds');
      const pdb = one<IPodDisruptionBudget>(m, 'policy/v1', 'PodDisruptionBudget');
      const minAvailable = pdb.spec?.minAvailable;
      assert.equal(typeof minAvailable, 'number', 'PodDisruptionBudget minAvailable as a number');
      assert.ok(
        (minAvailable as number) >= 1 && (minAvailable as number) < replicas,
        `minAvailable ${minAvailable} must be >= 1 and < replicas (${replicas}), or no drain could proceed`,
      );
      assert.ok(selects(pdb.spec?.selector?.matchLabels, podLabels(deployment)), 'the PodDisruptionBudget must select the Meridian pods');
    },
  },
  {
    name: 'liveness probes /healthz and readiness probes /readyz on the admin port',
    run(m) {
      const container = meridianContainer(meridianDeployment(m));
      const adminPort = portOf(flag(container, '--admin'), '--admin');
      assert.equal(adminPort, ADMIN_PORT);
      for (const [probe, path] of [
        [container.livenessProbe, '/healthz'],
        [container.readinessProbe, '/readyz'],
      ] as const) {
        const get = probe?.httpGet;
        assert.ok(get, `${m.source}: an httpGet probe for ${path}`);
        assert.equal(get.path, path);
        assert.deepEqual(resolvePort(container, get.port), { port: adminPort, protocol: 'TCP' }, `${path} must be probed on the admin port`);
      }
    },
  },
  {
    name: 'every container runs as non-root on a read-only root filesystem, without privileges',
    run(m) {
      const spec = podSpec(meridianDeployment(m));
      const pod = spec.securityContext ?? {};
      for (const container of allContainers(spec)) {
        const own = container.securityContext ?? {};
        const where = `${m.source}: container ${container.name}`;
        assert.equal(own.runAsNonRoot ?? pod.runAsNonRoot, true, `${where}: runAsNonRoot`);
        const uid = own.runAsUser ?? pod.runAsUser;
        assert.ok(typeof uid === 'number' && uid > 0, `${where}: runAsUser must be a non-root UID`);
        if (container.name === APP) assert.equal(uid, MERIDIAN_UID, `${where}: runAsUser (the image's node user)`);
        assert.equal(own.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        assert.equal(own.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
        assert.equal(own.privileged ?? false, false, `${where}: privileged`);
        assert.deepEqual(own.capabilities?.drop, ['ALL'], `${where}: capabilities.drop`);
        assert.deepEqual(own.capabilities?.add ?? [], [], `${where}: capabilities.add`);
        assert.equal((own.seccompProfile ?? pod.seccompProfile)?.type, 'RuntimeDefault', `${where}: seccompProfile`);
        for (const kind of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            assert.ok(container.resources?.[kind]?.[resource] !== undefined, `${where}: resources.${kind}.${resource}`);
          }
        }
      }
    },
  },
  {
    name: 'a LoadBalancer Service exposes 53/UDP and 53/TCP to the DNS port 5353, keeping client addresses',
    run(m) {
      const deployment = meridianDeployment(m);
      const container = meridianContainer(deployment);
      assert.equal(portOf(flag(container, '--listen'), '--listen'), DNS_CONTAINER_PORT);
      const service = one<IService>(m, 'v1', 'Service', (s) => s.metadata.labels?.[COMPONENT_LABEL] === 'dns');
      assert.equal(service.spec?.type, 'LoadBalancer');
      assert.equal(service.spec?.externalTrafficPolicy, 'Local');
      assert.ok(selects(service.spec?.selector, podLabels(deployment)), 'the Service must select the Meridian pods');
      const exposed = (service.spec?.ports ?? []).map((p) => {
        const target = resolvePort(container, p.targetPort ?? p.port, p.protocol ?? 'TCP');
        return `${p.port}/${p.protocol ?? 'TCP'} -> ${target?.port}/${target?.protocol}`;
      });
      assert.deepEqual(exposed.sort(), ['53/TCP -> 5353/TCP', '53/UDP -> 5353/UDP']);
    },
  },
  {
    name: 'a ClusterIP Service exposes the admin port, and the ServiceMonitor scrapes its /metrics',
    run(m) {
      const deployment = meridianDeployment(m);
      const container = meridianContainer(deployment);
      const admin = one<IService>(m, 'v1', 'Service', (s) => (s.spec?.type ?? 'ClusterIP') === 'ClusterIP');
      assert.ok(selects(admin.spec?.selector, podLabels(deployment)), 'the admin Service must select the Meridian pods');
      const port = (admin.spec?.ports ?? []).find((p) => resolvePort(container, p.targetPort ?? p.port)?.port === ADMIN_PORT);
      assert.ok(port?.name, `the admin Service must have a named port to ${ADMIN_PORT}`);
      const monitor = one<IServiceMonitor>(m, 'monitoring.coreos.com/v1', 'ServiceMonitor');
      const services = all<IService>(m, 'v1', 'Service').filter((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels));
      assert.deepEqual(
        services.map((s) => s.metadata.name),
        [admin.metadata.name],
        'the ServiceMonitor must select the admin Service only',
      );
      assert.deepEqual(
        monitor.spec.endpoints.map((e) => [e.port, e.path]),
        [[port.name, '/metrics']],
      );
    },
  },
  {
    name: 'a peer group, when configured, is one the server accepts: named, over TLS, its files from Secrets, its port on a Service of its own',
    run(m) {
      const deployment = meridianDeployment(m);
      const spec = podSpec(deployment);
      const container = meridianContainer(deployment);
      const env: Record<string, string | undefined> = {};
      for (const entry of container.env ?? []) if (entry.name.startsWith('MERIDIAN_')) env[entry.name] = envOf(container, entry.name);
      const files: string[] = [];
      // The server's own reading of the settings: what it would refuse to start with fails here.
      const config = peerGroupConfig({}, env, 'meridian-5d8f7c9b4-x7k2p', (file) => {
        files.push(file);
        return 'a-token-long-enough-for-the-server';
      });
      if (config === undefined) return; // a site alone (the base)
      assert.ok(env.MERIDIAN_INSTANCE, `${m.source}: MERIDIAN_INSTANCE (the default, the host name, is the pod's name, which its peers cannot know)`);
      const listed = (env.MERIDIAN_PEERS ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((entry) => parsePeerSpec(entry).name);
      assert.ok(
        listed.includes(config.instance),
        `${m.source}: MERIDIAN_PEERS lists every instance, ${config.instance} too, so every site carries the same list`,
      );
      assert.ok(config.tls, `${m.source}: the peer link crosses networks: serve it over TLS`);
      for (const peer of config.peers) assert.equal(peer.url.protocol, 'https:', `${m.source}: peer ${peer.name} over https`);
      for (const file of files) {
        const mount = volumeHolding(container, file);
        const volume = spec.volumes?.find((v) => v.name === mount?.name);
        assert.ok(volume?.secret, `${m.source}: ${file} must lie in a mounted Secret volume`);
      }
      const port = container.ports?.find((p) => p.containerPort === config.listen.port && (p.protocol ?? 'TCP') === 'TCP');
      assert.ok(port?.name, `${m.source}: a named container port for the peer link (${config.listen.port})`);
      const services = all<IService>(m, 'v1', 'Service').filter((s) =>
        (s.spec?.ports ?? []).some((p) => resolvePort(container, p.targetPort ?? p.port, p.protocol ?? 'TCP')?.port === config.listen.port),
      );
      assert.deepEqual(
        services.map((s) => s.metadata.labels?.[COMPONENT_LABEL]),
        ['peer'],
        `${m.source}: only the peer Service exposes the peer port`,
      );
      assert.ok(selects(services[0].spec?.selector, podLabels(deployment)), 'the peer Service must select the Meridian pods');
      assert.ok((services[0].spec?.loadBalancerSourceRanges ?? []).length > 0, `${m.source}: the peer Service admits only the other sites`);
    },
  },
  {
    name: 'the ClusterRole grants exactly get, list and watch on ingresses, services and gateways, bound to the pods',
    run(m) {
      const roles = [...all<IClusterRole>(m, 'rbac.authorization.k8s.io/v1', 'ClusterRole'), ...all(m, 'rbac.authorization.k8s.io/v1', 'Role')];
      assert.equal(roles.length, 1, `${m.source}: one ClusterRole and no other role`);
      const role = roles[0] as K8sObject & IClusterRole;
      assert.equal(role.aggregationRule, undefined);
      const grants = (role.rules ?? []).flatMap((rule) => {
        assert.equal(rule.nonResourceURLs, undefined, 'no nonResourceURLs');
        assert.equal(rule.resourceNames, undefined, 'no resourceNames');
        assert.deepEqual([...rule.verbs].sort(), ['get', 'list', 'watch'], `verbs of ${JSON.stringify(rule)}`);
        return (rule.apiGroups ?? []).flatMap((group) => (rule.resources ?? []).map((resource) => `${group}/${resource}`));
      });
      assert.deepEqual(grants.sort(), ['/services', 'gateway.networking.k8s.io/gateways', 'networking.k8s.io/ingresses']);

      const deployment = meridianDeployment(m);
      const binding = one<IClusterRoleBinding>(m, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding');
      assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
      const account = one(m, 'v1', 'ServiceAccount');
      assert.equal(podSpec(deployment).serviceAccountName, account.metadata.name, 'the pods run as the bound ServiceAccount');
      assert.deepEqual(
        (binding.subjects ?? []).map((s) => [s.kind, s.name, s.namespace ?? m.namespace]),
        [['ServiceAccount', account.metadata.name, namespaceOf(m, account)]],
      );
      assert.ok(
        namespaceOf(m, account) !== undefined && namespaceOf(m, account) === namespaceOf(m, deployment),
        'ServiceAccount and Deployment in one namespace',
      );
    },
  },
  {
    name: 'the zone directory is a mounted volume, and its zones are valid for the clusters the Deployment registers',
    async run(m) {
      const deployment = meridianDeployment(m);
      const spec = podSpec(deployment);
      const container = meridianContainer(deployment);
      const { names, kubeconfigs } = registeredClusters(container);

      // Remote kubeconfigs come from the Secret volume.
      for (const path of kubeconfigs) {
        const mount = volumeHolding(container, path);
        const volume = spec.volumes?.find((v) => v.name === mount?.name);
        assert.ok(volume?.secret, `${m.source}: kubeconfig ${path} must lie in a mounted Secret volume`);
      }

      const zonesDir = flag(container, '--zones');
      assert.ok(zonesDir, '--zones');
      const mount = volumeHolding(container, zonesDir);
      assert.ok(mount, `${m.source}: --zones ${zonesDir} is not in a mounted volume`);
      const volume = spec.volumes?.find((v) => v.name === mount.name);
      assert.ok(volume, `volume ${mount.name}`);
      if (volume.configMap) {
        assert.equal(zonesDir, mount.mountPath, 'a ConfigMap volume holds the zone files at its top level');
        const configMap = one<IConfigMap>(m, 'v1', 'ConfigMap', (c) => c.metadata.name === volume.configMap?.name);
        const dir = await mkdtemp(join(tmpdir(), 'meridian-zones-'));
        try {
          for (const [file, text] of Object.entries(configMap.data ?? {})) await writeFile(join(dir, file), text);
          const result = await loadZoneDirectory(dir, { knownClusters: names });
          assert.ok(
            result.ok,
            `${m.source}: ConfigMap ${configMap.metadata.name} (clusters: ${[...names].join(', ') || 'none'}):\n${result.ok ? '' : result.issues.map(formatZoneIssue).join('\n')}`,
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      } else {
        // Zones written by a sidecar (git-sync) into a shared emptyDir.
        assert.ok(volume.emptyDir, `${m.source}: the zone volume ${mount.name} must be a ConfigMap or a shared emptyDir`);
        const writers = allContainers(spec).filter((c) => c !== container && c.volumeMounts?.some((v) => v.name === mount.name && v.readOnly !== true));
        assert.equal(writers.length, 1, `${m.source}: one sidecar writes the zone volume ${mount.name}`);
        assert.ok(container.volumeMounts?.find((v) => v.name === mount.name)?.readOnly, 'Meridian mounts the zone volume read-only');
      }
    },
  },
];

/** What distinguishes each overlay, beyond the checks every kustomization passes. */
const OVERLAY_CHECKS: Readonly<Record<(typeof OVERLAYS)[number], (m: Manifests) => void>> = {
  'deploy/kubernetes/overlays/example'(m) {
    const deployment = meridianDeployment(m);
    const container = meridianContainer(deployment);
    assert.equal(deployment.spec?.replicas, 3);
    assert.match(container.image ?? '', /^[^:]+\/meridian:[\w.-]+$/, 'an image from a registry, with a tag');
    assert.equal(envOf(container, 'MERIDIAN_IN_CLUSTER'), 'eu-west');
    assert.ok(registeredClusters(container).kubeconfigs.length > 0, 'remote clusters from the Secret');
    assert.equal(flag(container, '--zones'), '/zones');
    assert.equal(envOf(container, 'MERIDIAN_INSTANCE'), 'eu-west', 'the instance of the peer group this site is');
  },
  'deploy/kubernetes/overlays/git-sync'(m) {
    const deployment = meridianDeployment(m);
    const spec = podSpec(deployment);
    const container = meridianContainer(deployment);
    assert.equal(flag(container, '--zones'), '/git/current/zones');
    assert.deepEqual(all(m, 'v1', 'ConfigMap'), [], 'no zones ConfigMap');
    const gitSync = allContainers(spec).find((c) => c.name === 'git-sync');
    assert.ok(gitSync, 'a git-sync container');
    assert.match(gitSync.image ?? '', /^registry\.k8s\.io\/git-sync\/git-sync:v4\.\d+\.\d+$/);
    for (const arg of ['--root=/git', '--link=current', '--period=30s']) assert.ok(gitSync.args?.includes(arg), `git-sync ${arg}`);
    assert.ok(flag(gitSync, '--repo'), 'git-sync --repo');
    if (spec.initContainers?.includes(gitSync)) {
      // A native sidecar: Meridian starts after its startupProbe, i.e. after the first sync.
      assert.equal(gitSync.restartPolicy, 'Always');
      assert.ok(gitSync.startupProbe, 'a startupProbe that gates Meridian on the first sync');
    }
  },
};

// ------------------------------------------------------------------------------------------------ tests

describe(`${BASE} (the files as written)`, () => {
  const base = loadBaseFiles();
  base.catch(() => {}); // reported by every test that awaits it
  for (const check of CHECKS) it(check.name, async () => check.run(await base));
});

describe('kustomizations rendered with kubectl kustomize', () => {
  for (const dir of [BASE, ...OVERLAYS]) {
    it(dir, async (t: TestContext) => {
      if (!kubectlAvailable) {
        t.skip(NO_KUBECTL);
        return;
      }
      const rendered = render(dir);
      for (const check of CHECKS) await t.test(check.name, () => check.run(rendered));
      const extra = OVERLAY_CHECKS[dir as (typeof OVERLAYS)[number]] as ((m: Manifests) => void) | undefined;
      if (extra) await t.test(`what ${basename(dir)} changes`, () => extra(rendered));
    });
  }
});

// ------------------------------------------------------------------------------------------------ dashboard

interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly { readonly expr?: string; readonly datasource?: { readonly uid?: string } }[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly __inputs?: readonly { readonly name: string; readonly type: string; readonly pluginId: string }[];
  readonly panels: readonly Panel[];
  readonly templating?: {
    readonly list: readonly { readonly datasource?: { readonly uid?: string }; readonly query?: unknown; readonly definition?: string }[];
  };
}

const DATASOURCE_UID = '${DS_PROMETHEUS}';
const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'];

/** Metric names from the tables of docs/metrics.md, with the series names of the histograms. */
async function documentedMetrics(): Promise<{ names: Set<string>; documented: string[] }> {
  const doc = await readFile(repoPath('docs/metrics.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(meridian_[a-z0-9_]+)` \| (\w+) \|/gm)];
  assert.ok(rows.length > 0, 'docs/metrics.md: no metric table rows');
  const names = new Set<string>();
  for (const [, name, type] of rows) {
    names.add(name);
    if (type === 'histogram') for (const suffix of HISTOGRAM_SUFFIXES) names.add(`${name}${suffix}`);
  }
  // prom-client's default process metrics, as Meridian registers them (meridian_process_*, meridian_nodejs_*).
  const registry = new Registry();
  new MeridianMetrics(registry);
  for (const metric of await registry.getMetricsAsJSON()) {
    if (!metric.name.startsWith('meridian_process_') && !metric.name.startsWith('meridian_nodejs_')) continue;
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of HISTOGRAM_SUFFIXES) names.add(`${metric.name}${suffix}`);
  }
  return { names, documented: rows.map((r) => r[1]) };
}

function flatPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...flatPanels(p.panels ?? [])]);
}

describe(DASHBOARD, () => {
  const load = async (): Promise<Dashboard> => JSON.parse(await readFile(repoPath(DASHBOARD), 'utf8')) as Dashboard;
  const expressions = (d: Dashboard): string[] => [
    ...flatPanels(d.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')),
    ...(d.templating?.list ?? []).map((v) => v.definition ?? ''),
  ];

  it('is valid JSON with the Prometheus datasource as the DS_PROMETHEUS input, used by every query', async () => {
    const dashboard = await load();
    assert.deepEqual(
      dashboard.__inputs?.map((i) => [i.name, i.type, i.pluginId]),
      [['DS_PROMETHEUS', 'datasource', 'prometheus']],
    );
    const panels = flatPanels(dashboard.panels).filter((p) => p.type !== 'row');
    assert.ok(panels.length > 0, 'no panels');
    const ids = flatPanels(dashboard.panels).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const panel of panels) {
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has no query`);
      assert.equal(panel.datasource?.uid, DATASOURCE_UID, `panel "${panel.title}" datasource`);
      for (const target of panel.targets ?? []) assert.equal(target.datasource?.uid ?? DATASOURCE_UID, DATASOURCE_UID, `a query of "${panel.title}"`);
    }
    for (const variable of dashboard.templating?.list ?? []) assert.equal(variable.datasource?.uid, DATASOURCE_UID, 'template variable datasource');
  });

  it('queries only metrics documented in docs/metrics.md (or prom-client process metrics), and shows each documented one', async () => {
    const dashboard = await load();
    const { names, documented } = await documentedMetrics();
    const used = new Set(expressions(dashboard).flatMap((expr) => [...expr.matchAll(/\bmeridian_[a-z0-9_]+/g)].map((match) => match[0])));
    assert.ok(used.size > 0, 'no meridian_ metric in any query');
    assert.deepEqual([...used].filter((name) => !names.has(name)).sort(), [], 'metrics the dashboard queries but docs/metrics.md does not list');
    const shown = (name: string) => used.has(name) || HISTOGRAM_SUFFIXES.some((suffix) => used.has(`${name}${suffix}`));
    assert.deepEqual(
      documented.filter((name) => !shown(name)),
      [],
      'documented metrics without a panel',
    );
  });
});
