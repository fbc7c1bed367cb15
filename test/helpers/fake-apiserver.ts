// A fake Kubernetes API server that speaks the real list/watch protocol over plain HTTP on loopback, for driving
// @kubernetes/client-node (KubeConfig, Watch, typed API clients, informers) exactly as Meridian does against a
// real cluster. No real kube-apiserver installs here (see /work/shared/notes/dependencies.md).
//
// What it mirrors from kube-apiserver (k8s.io/apiserver):
// - One resourceVersion counter for the whole server, like etcd's revision: every create, update and delete
//   bumps it, lists report it in metadata.resourceVersion, every object carries the revision of its last write.
// - Lists (`{Kind}List`) leave kind/apiVersion off items of built-in types and keep them on custom resources
//   (gateways), as the real server's JSON does. Watch event objects always carry kind/apiVersion.
// - Watches are 200 chunked streams of one JSON event per line, served from a bounded per-resource history like
//   the apiserver's watch cache: events newer than the requested resourceVersion are replayed, then live ones.
//   resourceVersion unset or "0" starts with a synthetic ADDED per existing object ("Get State and Start at Most
//   Recent" / "Start at Any" in the API concepts docs). Too old a resourceVersion gets HTTP 200 and one ERROR
//   event with a 410 Expired Status, then the stream ends (cacher.Watch returns an error watcher rather than an
//   HTTP error once the request is authorized). Too large a resourceVersion waits, then ends with a 504
//   "Too large resource version" ERROR event, like the cacher's wait for a fresh enough cache.
// - Selectors on watches follow cache_watcher.go: an object that starts matching arrives as ADDED, one that stops
//   matching as DELETED (previous content, new resourceVersion).
// - BOOKMARK events carry only kind/apiVersion and metadata.resourceVersion, and only reach watches that asked
//   with allowWatchBookmarks=true. timeoutSeconds ends the stream cleanly.
// - Errors are Status objects with the real reasons and messages: 404 for an unknown path or an uninstalled CRD
//   ("the server could not find the requested resource"), 404 NotFound for a missing object, 400 for unsupported
//   field selectors, 403/429/500/503 as injected faults.
//
// Not modelled: pagination (limit/continue: every list is complete), list resourceVersion semantics (lists are
// always the latest state), optimistic concurrency on writes (apply ignores a supplied resourceVersion),
// metadata.generation and managedFields, discovery (/api, /apis: client-node's typed clients never ask),
// the server's own default watch timeout (watches without timeoutSeconds stay open until closed).

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';

// ---------------------------------------------------------------------------------------------------------------
// Objects

/** Plain JSON, as the server stores and sends it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ObjectMeta {
  namespace: string;
  name: string;
  /** Set by the server. */
  uid?: string;
  /** Set by the server on every write: the store's revision at that write. */
  resourceVersion?: string;
  /** Set by the server on create (RFC 3339, whole seconds, as the real server writes it). */
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A namespaced Kubernetes object as JSON. kind/apiVersion are filled in by the server when missing. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: JsonValue | ObjectMeta | undefined;
}

/** The resources this server knows. Gateways are a CRD, so they can be uninstalled. */
export type ResourceName = 'ingresses' | 'services' | 'gateways';

interface ResourceType {
  readonly name: ResourceName;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** The path prefix of the group version: /api/v1 for the core group, /apis/{group}/{version} otherwise. */
  readonly groupVersionPath: string;
  /** Custom resources are served by apiextensions-apiserver, which keeps kind/apiVersion on list items. */
  readonly custom: boolean;
}

const RESOURCE_TYPES: Readonly<Record<ResourceName, ResourceType>> = {
  ingresses: {
    name: 'ingresses',
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    listKind: 'IngressList',
    groupVersionPath: '/apis/networking.k8s.io/v1',
    custom: false,
  },
  services: {
    name: 'services',
    group: '',
    version: 'v1',
    kind: 'Service',
    listKind: 'ServiceList',
    groupVersionPath: '/api/v1',
    custom: false,
  },
  gateways: {
    name: 'gateways',
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    kind: 'Gateway',
    listKind: 'GatewayList',
    groupVersionPath: '/apis/gateway.networking.k8s.io/v1',
    custom: true,
  },
};

function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** "ingresses.networking.k8s.io", "services": how the real server names a resource in messages. */
function groupResourceOf(type: ResourceType): string {
  return type.group === '' ? type.name : `${type.name}.${type.group}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Object builders: realistic objects as `kubectl get -o json` shows them, minus server-managed metadata.

export interface ObjectBuilderMeta {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

function builderMetadata(input: ObjectBuilderMeta): ObjectMeta {
  const metadata: ObjectMeta = { namespace: input.namespace, name: input.name };
  if (input.labels !== undefined) metadata.labels = { ...input.labels };
  if (input.annotations !== undefined) metadata.annotations = { ...input.annotations };
  return metadata;
}

/** status.loadBalancer as Ingress and Service report it: `{}` until the load balancer has addresses. */
function loadBalancerStatus(ips: readonly string[], hostnames: readonly string[], withIpMode: boolean): JsonValue {
  const ingress: JsonValue[] = [...ips.map((ip): JsonValue => (withIpMode ? { ip, ipMode: 'VIP' } : { ip })), ...hostnames.map((hostname) => ({ hostname }))];
  return ingress.length === 0 ? {} : { ingress };
}

export interface IngressInput extends ObjectBuilderMeta {
  /** One rule per host, each routing / to a service named like the ingress. */
  readonly hosts: readonly string[];
  /** status.loadBalancer.ingress[].ip */
  readonly ips?: readonly string[];
  /** status.loadBalancer.ingress[].hostname */
  readonly hostnames?: readonly string[];
  readonly ingressClassName?: string;
}

export function ingress(input: IngressInput): KubeObject {
  const spec: { [key: string]: JsonValue } = {
    rules: input.hosts.map((host) => ({
      host,
      http: {
        paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: input.name, port: { number: 80 } } } }],
      },
    })),
  };
  if (input.ingressClassName !== undefined) spec.ingressClassName = input.ingressClassName;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: builderMetadata(input),
    spec,
    // Ingress status has no ipMode (networking/v1 IngressLoadBalancerIngress).
    status: { loadBalancer: loadBalancerStatus(input.ips ?? [], input.hostnames ?? [], false) },
  };
}

export interface ServiceInput extends ObjectBuilderMeta {
  /** LoadBalancer unless given. */
  readonly type?: 'LoadBalancer' | 'ClusterIP';
  /** status.loadBalancer.ingress[].ip (with ipMode VIP, as 1.30+ clusters report). */
  readonly ips?: readonly string[];
  /** status.loadBalancer.ingress[].hostname */
  readonly hostnames?: readonly string[];
}

/** A stable cluster IP in 10.96.0.0/16 derived from namespace/name, so rebuilding the same service is a no-op. */
function clusterIpFor(namespace: string, name: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${namespace}/${name}`)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return `10.96.${(hash >>> 8) & 0xff}.${(hash & 0xfe) + 1}`;
}

export function service(input: ServiceInput): KubeObject {
  const type = input.type ?? 'LoadBalancer';
  const clusterIP = clusterIpFor(input.namespace, input.name);
  const port: { [key: string]: JsonValue } = { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 };
  const spec: { [key: string]: JsonValue } = {
    type,
    selector: { app: input.name },
    ports: [port],
    clusterIP,
    clusterIPs: [clusterIP],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
  };
  if (type === 'LoadBalancer') {
    port.nodePort = 30000 + (Number(clusterIP.split('.')[3]) % 2768);
    spec.externalTrafficPolicy = 'Cluster';
    spec.allocateLoadBalancerNodePorts = true;
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: builderMetadata(input),
    spec,
    status: { loadBalancer: loadBalancerStatus(input.ips ?? [], input.hostnames ?? [], true) },
  };
}

export interface GatewayAddressInput {
  /** IPAddress unless given. */
  readonly type?: 'IPAddress' | 'Hostname';
  readonly value: string;
}

export interface GatewayInput extends ObjectBuilderMeta {
  /** status.addresses */
  readonly addresses: readonly GatewayAddressInput[];
  /** The Programmed condition; true unless given when there are addresses, false when there are none. */
  readonly programmed?: boolean;
  readonly gatewayClassName?: string;
}

export function gateway(input: GatewayInput): KubeObject {
  const programmed = input.programmed ?? input.addresses.length > 0;
  const condition = (type: string, ok: boolean, reason: string): JsonValue => ({
    type,
    status: ok ? 'True' : 'False',
    reason,
    message: '',
    observedGeneration: 1,
    lastTransitionTime: '2025-01-01T00:00:00Z',
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: builderMetadata(input),
    spec: {
      gatewayClassName: input.gatewayClassName ?? 'example',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
    },
    status: {
      addresses: input.addresses.map((address) => ({ type: address.type ?? 'IPAddress', value: address.value })),
      conditions: [condition('Accepted', true, 'Accepted'), condition('Programmed', programmed, programmed ? 'Programmed' : 'AddressNotAssigned')],
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Status objects (k8s.io/apimachinery/pkg/api/errors)

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { [key: string]: JsonValue };
  code: number;
}

function failureStatus(code: number, reason: string, message: string, details?: { [key: string]: JsonValue }): StatusObject {
  // Field order as the real server serializes a Status.
  const detailsField = details === undefined ? {} : { details };
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...detailsField, code };
}

/** The body kube-apiserver's NotFound handler sends for a path no API group serves (e.g. an uninstalled CRD). */
function pathNotFoundStatus(): StatusObject {
  return failureStatus(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** The 410 a watch gets for a resourceVersion older than the watch cache holds (watch_cache.go). */
function expiredStatus(requested: number, oldestResumable: number): StatusObject {
  return failureStatus(410, 'Expired', `too old resource version: ${requested} (${oldestResumable})`);
}

/** The Status an injected fault answers with: the reason and wording the real server uses for that code. */
function injectedFaultStatus(
  code: number,
  type: ResourceType,
  verb: 'list' | 'watch',
  namespace: string | undefined,
  message: string | undefined,
): StatusObject {
  switch (code) {
    case 401:
      return failureStatus(401, 'Unauthorized', message ?? 'Unauthorized');
    case 403: {
      const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
      const user = 'system:serviceaccount:meridian:meridian';
      const text = `${groupResourceOf(type)} is forbidden: User "${user}" cannot ${verb} resource "${type.name}" ` + `in API group "${type.group}" ${scope}`;
      return failureStatus(403, 'Forbidden', message ?? text, { group: type.group, kind: type.name });
    }
    case 429:
      return failureStatus(429, 'TooManyRequests', message ?? 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
    case 500: {
      const cause = message ?? 'injected fault';
      return failureStatus(500, 'InternalError', `Internal error occurred: ${cause}`, { causes: [{ message: cause }] });
    }
    case 503:
      return failureStatus(503, 'ServiceUnavailable', message ?? 'the server is currently unable to handle the request');
    case 504:
      return failureStatus(
        504,
        'Timeout',
        message ?? 'the server was unable to return a response in the time allotted, but may still be processing the request',
      );
    default:
      return failureStatus(code, http.STATUS_CODES[code]?.replace(/\s+/g, '') ?? 'Unknown', message ?? `injected fault ${code}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

/** A way for list and/or watch requests to misbehave. Applies to requests that arrive after it is set. */
export type Fault =
  /** Serve normally (also overrides a fault set for all resources, when set for one). */
  | { readonly kind: 'none' }
  /** Watch only: 200 and headers, then the stream ends at once with no events. A server that closes every watch. */
  | { readonly kind: 'close-watch-immediately' }
  /** Answer with this HTTP status and a Status body (reason and message as the real server words them). */
  | { readonly kind: 'status'; readonly code: number; readonly message?: string }
  /**
   * Never answer. A watch gets 200 and its headers, then nothing, and stays open (half-open from the client's
   * view). A list gets no response at all. Silent watches are not counted by openWatches().
   */
  | { readonly kind: 'silence' }
  /** Serve normally after delayMs (the state served is the one at the end of the delay). */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Watch only: every watch gets the 410 Expired ERROR event and ends, whatever its resourceVersion. */
  | { readonly kind: 'gone' };

/** Which requests a fault affects. `list` covers reads of one object too. */
export type FaultTarget = 'list' | 'watch' | 'both';

export interface FaultScope {
  /** One resource, or all of them when absent. A per-resource fault wins over the all-resources one. */
  readonly resource?: ResourceName;
  /** Default: `watch` for watch-only faults, `both` otherwise. */
  readonly on?: FaultTarget;
}

const WATCH_ONLY_FAULTS: ReadonlySet<Fault['kind']> = new Set(['close-watch-immediately', 'gone']);

// ---------------------------------------------------------------------------------------------------------------
// Selectors (labels.Parse and the metadata.* field selectors every resource supports)

type LabelRequirement =
  { readonly op: 'exists' | 'notexists'; readonly key: string } | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] };

type FieldRequirement = { readonly field: 'metadata.name' | 'metadata.namespace'; readonly equal: boolean; readonly value: string };

interface Selector {
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
  readonly namespace: string | undefined;
}

class BadRequest extends Error {}

const LABEL_KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const LABEL_VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;

/** Splits on commas outside parentheses: "a in (x,y),b" → ["a in (x,y)", "b"]. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    if (selector[i] === '(') depth++;
    else if (selector[i] === ')') depth--;
    else if (selector[i] === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function parseLabelSelector(selector: string): LabelRequirement[] {
  const key = `(${LABEL_KEY})`;
  const value = `(${LABEL_VALUE})`;
  const patterns: Array<[RegExp, (m: RegExpMatchArray) => LabelRequirement]> = [
    [new RegExp(`^!\\s*${key}$`), (m) => ({ op: 'notexists', key: m[1] })],
    [new RegExp(`^${key}$`), (m) => ({ op: 'exists', key: m[1] })],
    [new RegExp(`^${key}\\s*(==|=)\\s*${value}$`), (m) => ({ op: 'in', key: m[1], values: [m[4] ?? ''] })],
    [new RegExp(`^${key}\\s*!=\\s*${value}$`), (m) => ({ op: 'notin', key: m[1], values: [m[3] ?? ''] })],
    [
      new RegExp(`^${key}\\s+(in|notin)\\s*\\(([^)]*)\\)$`),
      (m) => ({ op: m[3] === 'in' ? 'in' : 'notin', key: m[1], values: m[4].split(',').map((v) => v.trim()) }),
    ],
  ];
  return splitRequirements(selector).map((requirement) => {
    for (const [pattern, build] of patterns) {
      const match = requirement.match(pattern);
      if (match) return build(match);
    }
    throw new BadRequest(`unable to parse requirement: ${JSON.stringify(requirement)}`);
  });
}

function parseFieldSelector(selector: string): FieldRequirement[] {
  return splitRequirements(selector).map((requirement) => {
    const match = requirement.match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!match) throw new BadRequest(`invalid selector: '${selector}'; can't understand '${requirement}'`);
    const field = match[1];
    // Ingresses, services and gateways only support metadata.* field selectors ("field label not supported").
    if (field !== 'metadata.name' && field !== 'metadata.namespace') throw new BadRequest(`field label not supported: ${field}`);
    return { field, equal: match[2] !== '!=', value: match[3] };
  });
}

function matchesSelector(object: KubeObject, selector: Selector): boolean {
  const meta = object.metadata;
  if (selector.namespace !== undefined && meta.namespace !== selector.namespace) return false;
  for (const requirement of selector.fields) {
    const actual = requirement.field === 'metadata.name' ? meta.name : meta.namespace;
    if ((actual === requirement.value) !== requirement.equal) return false;
  }
  const labels = meta.labels ?? {};
  for (const requirement of selector.labels) {
    const has = Object.hasOwn(labels, requirement.key);
    switch (requirement.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'in':
        if (!has || !requirement.values.includes(labels[requirement.key])) return false;
        break;
      case 'notin':
        if (has && requirement.values.includes(labels[requirement.key])) return false;
        break;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Store

type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One write, as the watch cache keeps it: the object after the write and, for updates and deletes, before. */
interface Change {
  readonly type: ChangeType;
  readonly resourceVersion: number;
  /** After the write; for DELETED, the last state with the delete's resourceVersion. Has kind/apiVersion. */
  readonly object: KubeObject;
  readonly previous: KubeObject | undefined;
}

interface ResourceStore {
  readonly type: ResourceType;
  /** Keyed by namespace/name; stored with kind/apiVersion. */
  readonly objects: Map<string, KubeObject>;
  /** The last historyLimit changes, oldest first. */
  history: Change[];
  /**
   * The oldest resourceVersion a watch can resume from: every change after it is still in history. A watch from
   * an older one gets 410 Expired. This is the "(N)" in "too old resource version: M (N)".
   */
  oldestResumable: number;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** JSON with object keys sorted, to tell a real change from a no-op update regardless of key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a client controls in an object: everything but server-managed metadata. */
function userContent(object: KubeObject): string {
  const { uid, resourceVersion, creationTimestamp, ...metadata } = object.metadata;
  return canonicalJson({ ...object, metadata });
}

function withResourceVersion(object: KubeObject, resourceVersion: number): KubeObject {
  const copy = structuredClone(object);
  copy.metadata.resourceVersion = String(resourceVersion);
  return copy;
}

/** creationTimestamp as the API server writes it: RFC 3339 in UTC, whole seconds. */
function kubeTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------------------------
// Watches

interface WatchEvent {
  readonly type: ChangeType | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject | StatusObject | { kind: string; apiVersion: string; metadata: { resourceVersion: string } };
}

/** What tests can see about an open watch. */
export interface OpenWatch {
  readonly resource: ResourceName;
  /** The namespace of a namespaced watch; undefined when watching all namespaces. */
  readonly namespace: string | undefined;
  /** The resourceVersion query parameter as sent (undefined when absent). */
  readonly resourceVersion: string | undefined;
  readonly allowWatchBookmarks: boolean;
  readonly labelSelector: string | undefined;
  readonly fieldSelector: string | undefined;
  /** performance.now() when the watch was accepted. */
  readonly openedAt: number;
}

interface WatchWriterOptions {
  /** Write every event line in 2-3 pieces with a pause between them, so the client reads partial lines. */
  readonly splitLines: () => boolean;
}

/** Queued after the last event line: end the response here. No event line can be equal to it. */
const END_OF_STREAM = Symbol('end of stream');

/**
 * One open watch response: a queue of event lines written in order, one at a time, so that split lines never
 * interleave and end() always comes after the events queued before it.
 */
class WatchStream {
  readonly info: OpenWatch;
  readonly #response: http.ServerResponse;
  readonly #selector: Selector;
  readonly #options: WatchWriterOptions;
  readonly #queue: Array<string | typeof END_OF_STREAM> = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #pumping = false;
  #ending = false;
  #closed = false;
  /** Live changes up to this resourceVersion were already replayed (or precede the watch's start). */
  #deliveredThrough: number;
  /** A watch waiting for the store to reach a resourceVersion it asked for ("too large" so far). */
  #waitingFor: number | undefined;

  constructor(response: http.ServerResponse, info: OpenWatch, selector: Selector, startAt: number, options: WatchWriterOptions) {
    this.#response = response;
    this.info = info;
    this.#selector = selector;
    this.#deliveredThrough = startAt;
    this.#options = options;
    response.on('close', () => this.#markClosed());
  }

  get closed(): boolean {
    return this.#closed || this.#ending;
  }

  get waitingFor(): number | undefined {
    return this.#waitingFor;
  }

  set waitingFor(resourceVersion: number | undefined) {
    this.#waitingFor = resourceVersion;
  }

  /** Queues the event a change means for this watch's selector, if any (cache_watcher.go convertToWatchEvent). */
  offer(change: Change): void {
    if (this.closed || change.resourceVersion <= this.#deliveredThrough) return;
    this.#deliveredThrough = change.resourceVersion;
    const nowMatches = change.type !== 'DELETED' && matchesSelector(change.object, this.#selector);
    const before = change.type === 'DELETED' ? change.object : change.previous;
    const matchedBefore = before !== undefined && matchesSelector(before, this.#selector);
    if (nowMatches && matchedBefore) this.send({ type: 'MODIFIED', object: change.object });
    else if (nowMatches) this.send({ type: 'ADDED', object: change.object });
    else if (matchedBefore) {
      // Deleted, or no longer selected: the previous content with this change's resourceVersion.
      const last = change.type === 'DELETED' ? change.object : withResourceVersion(change.previous!, change.resourceVersion);
      this.send({ type: 'DELETED', object: last });
    }
  }

  /** A synthetic ADDED for an object that exists when a watch starts without a resourceVersion. */
  offerExisting(object: KubeObject): void {
    if (matchesSelector(object, this.#selector)) this.send({ type: 'ADDED', object });
  }

  send(event: WatchEvent): void {
    if (this.closed) return;
    this.#queue.push(`${JSON.stringify(event)}\n`);
    void this.#pump();
  }

  /** Ends the stream cleanly (terminating chunk) after everything queued so far. */
  end(): void {
    if (this.closed) return;
    this.#ending = true;
    this.#queue.push(END_OF_STREAM);
    void this.#pump();
  }

  /** Runs callback after delayMs unless the watch closes first. */
  after(delayMs: number, callback: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, delayMs);
    this.#timers.add(timer);
  }

  /** Drops the connection mid-stream, as a crashing server does. */
  abort(): void {
    this.#markClosed();
    this.#response.destroy();
  }

  #markClosed(): void {
    this.#closed = true;
    this.#queue.length = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const next = this.#queue.shift()!;
        if (next === END_OF_STREAM) {
          this.#response.end();
          return;
        }
        if (this.#options.splitLines()) {
          for (const [index, piece] of splitLine(next).entries()) {
            if (index > 0) await sleep(1); // a timers phase between pieces: the client reads each one on its own
            if (this.#closed) return;
            await this.#write(piece);
          }
        } else if (!this.#response.write(next)) {
          await once(this.#response, 'drain');
        }
      }
    } catch {
      // The connection went away mid-write; 'close' has cleaned up.
    } finally {
      this.#pumping = false;
    }
  }

  #write(piece: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.#response.write(piece, (error) => (error ? reject(error) : resolve())));
  }
}

/**
 * Cuts one event line into 2-3 byte pieces. When the line has a multi-byte UTF-8 character, the first cut falls
 * inside it, so the client must also reassemble characters, not just lines. The newline ends the last piece.
 */
function splitLine(line: string): Buffer[] {
  const bytes = Buffer.from(line);
  const firstNonAscii = bytes.findIndex((byte) => byte >= 0x80);
  const first = firstNonAscii >= 0 ? firstNonAscii + 1 : Math.max(1, Math.floor(bytes.length / 3));
  const second = Math.max(first + 1, Math.floor((bytes.length * 2) / 3));
  const cuts = [0, first, second, bytes.length].filter((cut, i, all) => cut <= bytes.length && (i === 0 || cut > all[i - 1]));
  const pieces: Buffer[] = [];
  for (let i = 1; i < cuts.length; i++) pieces.push(bytes.subarray(cuts[i - 1], cuts[i]));
  return pieces;
}

// ---------------------------------------------------------------------------------------------------------------
// Kubeconfig files

export interface KubeconfigOptions {
  /** Default: "fake" in a one-context file, "fake-1", "fake-2"... in a file with several. */
  readonly clusterName?: string;
  /** Default: the cluster name. */
  readonly contextName?: string;
  /** The user entry's name. Default: "<clusterName>-user". */
  readonly user?: string;
  /** A bearer token for the user (sent as Authorization; recorded, never checked). */
  readonly token?: string;
  /** The context's default namespace. */
  readonly namespace?: string;
}

export interface KubeconfigContext extends KubeconfigOptions {
  readonly server: FakeApiServer;
}

/**
 * Writes one kubeconfig (YAML, as kubectl writes it) with a context per entry, each pointing at its fake server
 * over http://. client-node refuses an http:// server unless the cluster has insecure-skip-tls-verify: true.
 * The current context is the first entry's unless given. Names must be unique per kind (cluster, user, context).
 */
export async function writeKubeconfig(path: string, contexts: readonly KubeconfigContext[], currentContext?: string): Promise<void> {
  if (contexts.length === 0) throw new Error('writeKubeconfig needs at least one context');
  const entries = contexts.map((entry, index) => {
    const clusterName = entry.clusterName ?? (contexts.length === 1 ? 'fake' : `fake-${index + 1}`);
    return { entry, clusterName, contextName: entry.contextName ?? clusterName, userName: entry.user ?? `${clusterName}-user` };
  });
  const users = new Map<string, { name: string; user: { token?: string } }>();
  for (const { entry, userName } of entries) {
    const existing = users.get(userName);
    if (existing !== undefined && existing.user.token !== entry.token) {
      throw new Error(`user ${userName} given twice with different tokens`);
    }
    users.set(userName, { name: userName, user: entry.token === undefined ? {} : { token: entry.token } });
  }
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map(({ entry, clusterName }) => ({
      name: clusterName,
      cluster: { server: entry.server.url, 'insecure-skip-tls-verify': true },
    })),
    users: [...users.values()],
    contexts: entries.map(({ entry, clusterName, contextName, userName }) => ({
      name: contextName,
      context: { cluster: clusterName, user: userName, ...(entry.namespace === undefined ? {} : { namespace: entry.namespace }) },
    })),
    'current-context': currentContext ?? entries[0].contextName,
  };
  await writeFile(path, toYaml(document), { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------------------------
// Polling

/**
 * Polls predicate until it holds, or rejects after deadlineMs with `what` in the message. For conditions that no
 * event announces (a request arrived, a watch opened); it never stands in for a fixed sleep.
 */
export async function waitFor(predicate: () => boolean, deadlineMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`${what} did not hold within ${deadlineMs} ms`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly watch: boolean;
  /** The resource the path names, when it names one this server knows. */
  readonly resource: ResourceName | undefined;
  /** The namespace of a namespaced path. */
  readonly namespace: string | undefined;
  /** The Authorization header as received. */
  readonly authorization: string | undefined;
  /** performance.now() when the request arrived (monotonic, for measuring intervals between requests). */
  readonly at: number;
}

export interface FakeApiServerOptions {
  /** A loopback address. Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: an ephemeral port, kept across stop()/start(). */
  readonly port?: number;
  /** Changes kept per resource for watches to resume from. Default 1000. */
  readonly historyLimit?: number;
  /** Split every event line into 2-3 writes. Default false; see setSplitEventLines. */
  readonly splitEventLines?: boolean;
  /** Whether the Gateway API CRDs are installed. Default true. */
  readonly gatewayApiInstalled?: boolean;
  /** How long a watch from a future resourceVersion waits before its 504 ERROR event. Default 3000 (the real one's). */
  readonly tooLargeResourceVersionWaitMs?: number;
}

interface ParsedPath {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** Go's strconv.ParseBool, which the apiserver uses for boolean query parameters. */
function parseBool(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class FakeApiServer {
  readonly host: string;
  readonly #server: http.Server;
  /** Open connections, each with a promise of its 'close'. */
  readonly #sockets = new Map<Socket, Promise<void>>();
  readonly #stores: Map<ResourceName, ResourceStore>;
  readonly #watches = new Set<WatchStream>();
  readonly #faults = new Map<string, Fault>();
  readonly #requests: RecordedRequest[] = [];
  readonly #historyLimit: number;
  readonly #tooLargeWaitMs: number;
  #revision = 1;
  #port: number;
  #listening = false;
  #closedForGood = false;
  #splitEventLines: boolean;
  #gatewayApiInstalled: boolean;

  private constructor(options: FakeApiServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    if (!isLoopback(this.host)) throw new Error(`fake API server must listen on loopback, not ${this.host}`);
    this.#port = options.port ?? 0;
    this.#historyLimit = options.historyLimit ?? 1000;
    this.#tooLargeWaitMs = options.tooLargeResourceVersionWaitMs ?? 3000;
    this.#splitEventLines = options.splitEventLines ?? false;
    this.#gatewayApiInstalled = options.gatewayApiInstalled ?? true;
    this.#stores = new Map(
      Object.values(RESOURCE_TYPES).map((type) => [type.name, { type, objects: new Map(), history: [], oldestResumable: this.#revision }]),
    );
    this.#server = http.createServer((request, response) => this.#handle(request, response));
    this.#server.on('connection', (socket) => {
      this.#sockets.set(
        socket,
        new Promise((resolve) =>
          socket.on('close', () => {
            this.#sockets.delete(socket);
            resolve();
          }),
        ),
      );
    });
  }

  /** Starts a server listening on host:port (an ephemeral port unless given). */
  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    await server.start();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  /** http://host:port, the kubeconfig's server URL. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.#port}`;
  }

  /** Every request received, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** The store's current resourceVersion (the last write's revision). */
  resourceVersion(): string {
    return String(this.#revision);
  }

  /** Writes a kubeconfig with one context pointing at this server. */
  writeKubeconfig(path: string, options: KubeconfigOptions = {}): Promise<void> {
    return writeKubeconfig(path, [{ ...options, server: this }]);
  }

  // --- the store --------------------------------------------------------------------------------------------

  /**
   * Creates or updates an object and tells the watches: ADDED or MODIFIED. Returns the stored object. Like the real
   * server, an update that changes nothing a client controls is a no-op: no new resourceVersion, no event.
   * uid and creationTimestamp survive updates; a supplied resourceVersion is ignored (no conflict checking).
   */
  apply(resource: ResourceName, object: KubeObject): KubeObject {
    const store = this.#liveStore(resource, 'apply');
    const type = store.type;
    if (object.kind !== undefined && object.kind !== type.kind) throw new Error(`apply(${resource}) got a ${object.kind}`);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersionOf(type)) {
      throw new Error(`apply(${resource}) got apiVersion ${object.apiVersion}, serving ${apiVersionOf(type)}`);
    }
    const { namespace, name } = object.metadata;
    if (!namespace || !name) throw new Error(`apply(${resource}) needs metadata.namespace and metadata.name`);
    const key = objectKey(namespace, name);
    const previous = store.objects.get(key);
    const candidate: KubeObject = { ...structuredClone(object), apiVersion: apiVersionOf(type), kind: type.kind };
    if (previous !== undefined && userContent(previous) === userContent(candidate)) {
      return structuredClone(previous);
    }
    const resourceVersion = ++this.#revision;
    candidate.metadata = {
      ...candidate.metadata,
      uid: previous?.metadata.uid ?? randomUUID(),
      creationTimestamp: previous?.metadata.creationTimestamp ?? kubeTimestamp(new Date()),
      resourceVersion: String(resourceVersion),
    };
    store.objects.set(key, candidate);
    this.#record(store, { type: previous === undefined ? 'ADDED' : 'MODIFIED', resourceVersion, object: candidate, previous });
    return structuredClone(candidate);
  }

  /** Deletes an object and tells the watches: DELETED, carrying its last state with the delete's resourceVersion. */
  remove(resource: ResourceName, namespace: string, name: string): KubeObject {
    const store = this.#liveStore(resource, 'remove');
    const key = objectKey(namespace, name);
    const previous = store.objects.get(key);
    if (previous === undefined) throw new Error(`remove: ${resource} ${namespace}/${name} does not exist`);
    store.objects.delete(key);
    const resourceVersion = ++this.#revision;
    const last = withResourceVersion(previous, resourceVersion);
    this.#record(store, { type: 'DELETED', resourceVersion, object: last, previous });
    return structuredClone(last);
  }

  /** The stored object, or undefined. */
  get(resource: ResourceName, namespace: string, name: string): KubeObject | undefined {
    const object = this.#stores.get(resource)!.objects.get(objectKey(namespace, name));
    return object === undefined ? undefined : structuredClone(object);
  }

  /** Sends a BOOKMARK at the current resourceVersion to every open watch that asked for bookmarks. */
  bookmark(): void {
    for (const watch of this.#watches) {
      if (!watch.info.allowWatchBookmarks || watch.waitingFor !== undefined) continue;
      const type = RESOURCE_TYPES[watch.info.resource];
      const object = { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: this.resourceVersion() } };
      watch.send({ type: 'BOOKMARK', object });
    }
  }

  /**
   * Drops the watch history (of one resource, or all): a watch from any resourceVersion older than the current
   * one then gets 410 Expired, like after etcd compaction. Open watches keep going.
   */
  compact(resource?: ResourceName): void {
    for (const store of this.#stores.values()) {
      if (resource !== undefined && store.type.name !== resource) continue;
      store.history = [];
      store.oldestResumable = this.#revision;
    }
  }

  /**
   * Installs or uninstalls the Gateway API CRDs. Uninstalling deletes every gateway (as deleting a CRD deletes its
   * objects), ends open gateway watches, and makes gateway paths 404. Reinstalling starts empty.
   */
  setGatewayApiInstalled(installed: boolean): void {
    if (installed === this.#gatewayApiInstalled) return;
    this.#gatewayApiInstalled = installed;
    if (!installed) {
      const store = this.#stores.get('gateways')!;
      store.objects.clear();
      store.history = [];
      store.oldestResumable = ++this.#revision;
      this.closeWatches('gateways');
    }
  }

  // --- faults and streams -----------------------------------------------------------------------------------

  /**
   * Makes requests misbehave, for one resource or all, on lists, watches or both. Setting a fault replaces the one
   * at the same scope; `{ kind: 'none' }` at a resource's scope overrides an all-resources fault.
   */
  setFault(fault: Fault, scope: FaultScope = {}): void {
    const watchOnly = WATCH_ONLY_FAULTS.has(fault.kind);
    const on = scope.on ?? (watchOnly ? 'watch' : 'both');
    if (watchOnly && on !== 'watch') throw new Error(`fault ${fault.kind} applies to watches only`);
    if (fault.kind === 'status' && (fault.code < 400 || fault.code > 599)) {
      throw new Error(`fault status ${fault.code} is not an error status`);
    }
    const resource = scope.resource ?? '*';
    if (on !== 'watch') this.#faults.set(`${resource}:list`, fault);
    if (on !== 'list') this.#faults.set(`${resource}:watch`, fault);
  }

  /** Removes every fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Split every event line into 2-3 writes (from the next event on). */
  setSplitEventLines(split: boolean): void {
    this.#splitEventLines = split;
  }

  /** Ends open watches (of one resource, or all) cleanly, as the server does when a watch's timeout runs out. */
  closeWatches(resource?: ResourceName): void {
    for (const watch of this.#watches) {
      if (resource === undefined || watch.info.resource === resource) watch.end();
    }
  }

  /** The watches currently open, oldest first. */
  openWatches(): readonly OpenWatch[] {
    return [...this.#watches].filter((watch) => !watch.closed).map((watch) => watch.info);
  }

  /** TCP connections currently open. */
  openConnections(): number {
    return this.#sockets.size;
  }

  /** Polls predicate until it holds, or rejects after deadlineMs. See the exported waitFor. */
  waitFor(predicate: (server: this) => boolean, deadlineMs = 5_000, what?: string): Promise<void> {
    return waitFor(() => predicate(this), deadlineMs, what);
  }

  // --- lifecycle --------------------------------------------------------------------------------------------

  /** Listens (again) on the same host and port. The store survives stop()/start(). */
  async start(): Promise<void> {
    if (this.#closedForGood) throw new Error('fake API server was closed');
    if (this.#listening) return;
    this.#server.listen(this.#port, this.host);
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as { port: number }).port;
    this.#listening = true;
  }

  /** An API outage: stops listening (connecting is refused) and destroys every open connection, watches included. */
  async stop(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const watch of this.#watches) watch.abort();
    this.#watches.clear();
    const socketsClosed = [...this.#sockets.values()];
    for (const socket of this.#sockets.keys()) socket.destroy();
    // The server's 'close' can come before the sockets' own: wait for both.
    await Promise.all([closed, ...socketsClosed]);
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.#closedForGood = true;
    await this.stop();
  }

  // --- internals --------------------------------------------------------------------------------------------

  #liveStore(resource: ResourceName, operation: string): ResourceStore {
    const store = this.#stores.get(resource);
    if (store === undefined) throw new Error(`${operation}: unknown resource ${resource}`);
    if (resource === 'gateways' && !this.#gatewayApiInstalled) throw new Error(`${operation}: the Gateway API CRDs are not installed`);
    return store;
  }

  #record(store: ResourceStore, change: Change): void {
    store.history.push(change);
    if (store.history.length > this.#historyLimit) {
      const evicted = store.history.splice(0, store.history.length - this.#historyLimit);
      store.oldestResumable = evicted[evicted.length - 1].resourceVersion;
    }
    for (const watch of this.#watches) {
      if (watch.info.resource !== store.type.name) continue;
      if (watch.waitingFor !== undefined) {
        if (this.#revision < watch.waitingFor) continue;
        watch.waitingFor = undefined;
      }
      watch.offer(change);
    }
  }

  #faultFor(resource: ResourceName, verb: 'list' | 'watch'): Fault {
    return this.#faults.get(`${resource}:${verb}`) ?? this.#faults.get(`*:${verb}`) ?? { kind: 'none' };
  }

  #parsePath(pathname: string): ParsedPath | undefined {
    for (const type of Object.values(RESOURCE_TYPES)) {
      if (!pathname.startsWith(`${type.groupVersionPath}/`)) continue;
      const rest = pathname
        .slice(type.groupVersionPath.length + 1)
        .split('/')
        .map(safeDecode);
      if (rest.length === 1 && rest[0] === type.name) return { type, namespace: undefined, name: undefined };
      if (rest[0] === 'namespaces' && rest[2] === type.name && rest[1] && (rest.length === 3 || (rest.length === 4 && rest[3]))) {
        return { type, namespace: rest[1], name: rest[3] };
      }
    }
    return undefined;
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const parsed = this.#parsePath(url.pathname);
    const watch = parseBool(url.searchParams.get('watch'));
    this.#requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      watch,
      resource: parsed?.type.name,
      namespace: parsed?.namespace,
      authorization: request.headers.authorization,
      at: performance.now(),
    });
    request.resume();

    if (parsed === undefined || (parsed.type.name === 'gateways' && !this.#gatewayApiInstalled)) {
      sendJson(response, 404, pathNotFoundStatus());
      return;
    }
    if (request.method !== 'GET') {
      sendJson(response, 405, failureStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      return;
    }
    const verb = watch ? 'watch' : 'list';
    const fault = this.#faultFor(parsed.type.name, verb);
    const serve = (): void => {
      if (response.destroyed) return;
      try {
        if (watch) this.#serveWatch(parsed, url.searchParams, response, fault);
        else this.#serveRead(parsed, url.searchParams, response);
      } catch (error) {
        if (!(error instanceof BadRequest)) throw error;
        sendJson(response, 400, failureStatus(400, 'BadRequest', error.message));
      }
    };
    switch (fault.kind) {
      case 'status': {
        const status = injectedFaultStatus(fault.code, parsed.type, verb, parsed.namespace, fault.message);
        sendJson(response, fault.code, status, fault.code === 429 ? { 'Retry-After': '1' } : {});
        return;
      }
      case 'silence':
        if (watch) {
          response.writeHead(200, watchHeaders());
          response.flushHeaders();
        }
        return; // and nothing more, ever
      case 'slow': {
        const timer = setTimeout(serve, fault.delayMs);
        response.on('close', () => clearTimeout(timer));
        return;
      }
      default:
        serve();
    }
  }

  /** A list, or a get of one object. */
  #serveRead(path: ParsedPath, query: URLSearchParams, response: http.ServerResponse): void {
    const { type } = path;
    const store = this.#stores.get(type.name)!;
    if (path.name !== undefined) {
      const object = store.objects.get(objectKey(path.namespace!, path.name));
      if (object === undefined) {
        const details = { name: path.name, group: type.group, kind: type.name };
        sendJson(response, 404, failureStatus(404, 'NotFound', `${groupResourceOf(type)} "${path.name}" not found`, details));
      } else {
        sendJson(response, 200, object);
      }
      return;
    }
    const selector = this.#selector(path, query);
    const items = sortedObjects(store)
      .filter((object) => matchesSelector(object, selector))
      .map((object) => {
        if (type.custom) return object;
        const { apiVersion, kind, ...item } = object;
        return item;
      });
    const list = { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: this.resourceVersion() }, items };
    sendJson(response, 200, list);
  }

  #serveWatch(path: ParsedPath, query: URLSearchParams, response: http.ServerResponse, fault: Fault): void {
    const { type } = path;
    if (path.name !== undefined) {
      // Watching one object by path was removed from the API (use fieldSelector=metadata.name=...).
      sendJson(response, 405, failureStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      return;
    }
    const store = this.#stores.get(type.name)!;
    const selector = this.#selector(path, query);
    const requestedText = query.get('resourceVersion') ?? undefined;
    const fromCurrentState = requestedText === undefined || requestedText === '' || requestedText === '0';
    const requested = fromCurrentState ? this.#revision : Number(requestedText);
    if (!Number.isSafeInteger(requested) || requested < 0) {
      throw new BadRequest(`invalid resource version: ${JSON.stringify(requestedText)}`);
    }
    const timeoutText = query.get('timeoutSeconds');
    const timeoutSeconds = timeoutText === null ? undefined : Number(timeoutText);
    if (timeoutSeconds !== undefined && !(Number.isSafeInteger(timeoutSeconds) && timeoutSeconds >= 0)) {
      throw new BadRequest(`invalid timeoutSeconds: ${JSON.stringify(timeoutText)}`);
    }

    response.writeHead(200, watchHeaders());
    response.flushHeaders();
    const info: OpenWatch = {
      resource: type.name,
      namespace: path.namespace,
      resourceVersion: requestedText,
      allowWatchBookmarks: parseBool(query.get('allowWatchBookmarks')),
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      openedAt: performance.now(),
    };
    const stream = new WatchStream(response, info, selector, requested, { splitLines: () => this.#splitEventLines });

    if (fault.kind === 'close-watch-immediately') {
      stream.end();
      return;
    }
    if (fault.kind === 'gone') {
      stream.send({ type: 'ERROR', object: expiredStatus(requested, this.#revision) });
      stream.end();
      return;
    }
    if (!fromCurrentState && requested < store.oldestResumable) {
      stream.send({ type: 'ERROR', object: expiredStatus(requested, store.oldestResumable) });
      stream.end();
      return;
    }

    this.#watches.add(stream);
    response.on('close', () => this.#watches.delete(stream));
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) stream.after(timeoutSeconds * 1000, () => stream.end());

    if (fromCurrentState) {
      for (const object of sortedObjects(store)) stream.offerExisting(object);
    } else if (requested > this.#revision) {
      stream.waitingFor = requested;
      stream.after(this.#tooLargeWaitMs, () => {
        if (stream.waitingFor === undefined) return;
        const details = { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 };
        const message = `Too large resource version: ${requested}, current: ${this.#revision}`;
        stream.send({ type: 'ERROR', object: failureStatus(504, 'Timeout', message, details) });
        stream.end();
      });
    } else {
      for (const change of store.history) stream.offer(change);
    }
  }

  #selector(path: ParsedPath, query: URLSearchParams): Selector {
    return {
      namespace: path.namespace,
      labels: parseLabelSelector(query.get('labelSelector') ?? ''),
      fields: parseFieldSelector(query.get('fieldSelector') ?? ''),
    };
  }
}

/** A path segment decoded, or undefined when its escapes are malformed (so the path matches nothing: 404). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** Starts a fake API server; see FakeApiServer.start. */
export function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  return FakeApiServer.start(options);
}

function sortedObjects(store: ResourceStore): KubeObject[] {
  return [...store.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, object]) => object);
}

/** The headers of a real watch response (Go's net/http adds chunked encoding to a streamed HTTP/1.1 body). */
function watchHeaders(): http.OutgoingHttpHeaders {
  return { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' };
}

function sendJson(response: http.ServerResponse, code: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
