// Pure translation of the Kubernetes objects that expose a workload outside its cluster (Ingress, LoadBalancer
// Service, Gateway) into one neutral value, in the manner of ExternalDNS's sources: discovery watches the objects,
// these functions say which hosts each one routes and where its load balancer answers, and nothing downstream
// needs to know which kind of object it came from.
//
// Inputs are read structurally and defensively. Watch events are untyped JSON, list items may be
// @kubernetes/client-node class instances with the same field names, and a value of the wrong type (null, a
// number where a string belongs, a string where a list belongs) is treated as absent rather than thrown on.

import { isIP } from 'node:net';
import { nameProblem, normaliseName } from '../../base/names.js';

/** Identifies a namespaced object. */
export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * What one Kubernetes object exposes outside its cluster: the hosts it routes and where its load balancer answers.
 * Discovery's own value; what it hands the rest of the server is the Endpoint (zone/endpoints.ts) of each address.
 */
export interface ExposedObject {
  readonly kind: 'Ingress' | 'Service' | 'Gateway';
  readonly ref: ObjectRef;
  /**
   * Hostnames the object routes (Ingress spec.rules[].host; Gateway spec.listeners[].hostname), lowercase, without
   * a trailing dot, de-duplicated, in spec order. Wildcards such as "*.example.com" are kept as written; match
   * them with `hostMatches`. Always empty for a Service, which routes by address rather than by name.
   */
  readonly hosts: readonly string[];
  /** IP addresses from the status, normalised (IPv6 compressed lowercase), de-duplicated, in status order. */
  readonly ips: readonly string[];
  /** DNS names from the status (cloud load balancers) that must be resolved to A/AAAA; lowercase, de-duplicated. */
  readonly hostnames: readonly string[];
}

// Minimal structural shapes of the fields read below. Every field is optional and nullable because the API server
// omits empty fields and hand-written or partial objects may carry explicit nulls; the implementation checks
// each value's type anyway, so these document the expected shape rather than promise it.

export interface ObjectMetaShape {
  readonly name?: string | null;
  readonly namespace?: string | null;
}

/** core/v1 LoadBalancerIngress and networking/v1 IngressLoadBalancerIngress share these fields. */
export interface LoadBalancerIngressShape {
  readonly ip?: string | null;
  readonly hostname?: string | null;
}

export interface LoadBalancerStatusShape {
  readonly ingress?: readonly (LoadBalancerIngressShape | null)[] | null;
}

/** networking.k8s.io/v1 Ingress. */
export interface IngressObject {
  readonly metadata?: ObjectMetaShape | null;
  readonly spec?: {
    readonly rules?: readonly ({ readonly host?: string | null } | null)[] | null;
  } | null;
  readonly status?: { readonly loadBalancer?: LoadBalancerStatusShape | null } | null;
}

/** core/v1 Service. */
export interface ServiceObject {
  readonly metadata?: ObjectMetaShape | null;
  readonly spec?: { readonly type?: string | null } | null;
  readonly status?: { readonly loadBalancer?: LoadBalancerStatusShape | null } | null;
}

/** gateway.networking.k8s.io/v1 Gateway (a CRD, so always plain JSON from the client). */
export interface GatewayObject {
  readonly metadata?: ObjectMetaShape | null;
  readonly spec?: {
    readonly listeners?: readonly ({ readonly hostname?: string | null } | null)[] | null;
  } | null;
  readonly status?: {
    readonly addresses?: readonly ({ readonly type?: string | null; readonly value?: string | null } | null)[] | null;
  } | null;
}

/**
 * Ingress → endpoint. Hosts come from spec.rules[].host only: a rule without a host matches every request and so
 * names nothing, and spec.tls[].hosts lists certificate names, not routes. Addresses come from
 * status.loadBalancer.ingress[], which the ingress controller fills in once its load balancer exists.
 */
export function endpointsFromIngress(ingress: IngressObject): ExposedObject {
  const rules = listAt(ingress, 'spec', 'rules');
  return {
    kind: 'Ingress',
    ref: refOf(ingress),
    hosts: routedHosts(rules.map((rule) => field(rule, 'host'))),
    ...loadBalancerAddresses(listAt(ingress, 'status', 'loadBalancer', 'ingress')),
  };
}

/**
 * LoadBalancer Service → endpoint, or undefined for any other spec.type (ClusterIP, NodePort, ExternalName):
 * only a LoadBalancer Service gets status.loadBalancer.ingress[] addresses reachable from outside the cluster.
 */
export function endpointsFromService(service: ServiceObject): ExposedObject | undefined {
  if (field(field(service, 'spec'), 'type') !== 'LoadBalancer') return undefined;
  return {
    kind: 'Service',
    ref: refOf(service),
    hosts: [],
    ...loadBalancerAddresses(listAt(service, 'status', 'loadBalancer', 'ingress')),
  };
}

/**
 * Gateway → endpoint. Hosts come from spec.listeners[].hostname; a listener without one accepts every hostname
 * and so names nothing. Addresses come from status.addresses[], whose `type` defaults to "IPAddress" in the
 * Gateway API schema; "Hostname" values are DNS names, and any other type (implementation-specific, such as a
 * named address pool) does not say where to send traffic, so it is ignored.
 */
export function endpointsFromGateway(gateway: GatewayObject): ExposedObject {
  const ips = new Set<string>();
  const hostnames = new Set<string>();
  for (const address of listAt(gateway, 'status', 'addresses')) {
    const type = nonEmptyString(field(address, 'type')) ?? 'IPAddress';
    const value = field(address, 'value');
    if (type === 'IPAddress') addIfDefined(ips, canonicalAddress(value));
    else if (type === 'Hostname') addIfDefined(hostnames, resolvableHostname(value));
  }
  const listeners = listAt(gateway, 'spec', 'listeners');
  return {
    kind: 'Gateway',
    ref: refOf(gateway),
    hosts: routedHosts(listeners.map((listener) => field(listener, 'hostname'))),
    ips: [...ips],
    hostnames: [...hostnames],
  };
}

/**
 * Whether `host` is routed by `pattern`, with Kubernetes Ingress host semantics: an exact, case-insensitive match,
 * or a wildcard "*.example.com" matching exactly one further label ("a.example.com", but neither "example.com"
 * nor "a.b.example.com"). A trailing dot on either side is ignored. An empty pattern or host matches nothing:
 * a rule without a host is a catch-all, which `ExposedObject.hosts` never lists.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const normalisedPattern = normaliseName(pattern);
  const normalisedHost = normaliseName(host);
  if (normalisedPattern === '' || normalisedHost === '') return false;
  if (normalisedPattern === normalisedHost) return true;
  if (!normalisedPattern.startsWith('*.')) return false;
  const suffix = normalisedPattern.slice(1); // ".example.com"
  if (!normalisedHost.endsWith(suffix)) return false;
  const firstLabel = normalisedHost.slice(0, -suffix.length);
  return firstLabel !== '' && !firstLabel.includes('.');
}

// Kubernetes object names: namespaces are RFC 1123 labels; Ingress and Gateway names are RFC 1123 subdomains, and
// Service names (RFC 1035 labels) are a subset of those, so one subdomain check admits every name that can exist.
const RFC1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const MAX_NAMESPACE_LENGTH = 63;
const MAX_NAME_LENGTH = 253;

/**
 * "namespace/name" → ObjectRef, or undefined unless both parts are present and are names Kubernetes accepts
 * (lowercase; no surrounding spaces). The namespace is required: a reference in configuration that silently meant
 * "default" would point at the wrong object when written for another namespace.
 */
export function parseObjectRef(text: string): ObjectRef | undefined {
  const parts = text.split('/');
  if (parts.length !== 2) return undefined;
  const [namespace = '', name = ''] = parts;
  if (namespace.length > MAX_NAMESPACE_LENGTH || !RFC1123_LABEL.test(namespace)) return undefined;
  if (name.length > MAX_NAME_LENGTH || !name.split('.').every((label) => RFC1123_LABEL.test(label))) return undefined;
  return { namespace, name };
}

// --- Reading untrusted structure -------------------------------------------------------------------------------

/** `value[key]` when `value` is an object (plain JSON or a class instance), otherwise undefined. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The list at the end of `path`, or an empty list when any step is missing or is not what it should be. */
function listAt(root: unknown, ...path: string[]): readonly unknown[] {
  const value = path.reduce<unknown>(field, root);
  return Array.isArray(value) ? value : [];
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function addIfDefined(set: Set<string>, value: string | undefined): void {
  if (value !== undefined) set.add(value);
}

// metadata.namespace is omitted only for cluster-scoped objects or objects not yet created; the API server
// defaults a namespaced object's namespace to "default". A missing name is left empty for the caller to reject.
function refOf(object: unknown): ObjectRef {
  const metadata = field(object, 'metadata');
  return {
    namespace: nonEmptyString(field(metadata, 'namespace')) ?? 'default',
    name: nonEmptyString(field(metadata, 'name')) ?? '',
  };
}

// --- Addresses and names ---------------------------------------------------------------------------------------

/**
 * status.loadBalancer.ingress[]: each entry carries `ip` (for IP-based load balancers such as MetalLB or GCE),
 * `hostname` (for DNS-based ones such as AWS ELB), or in principle both; each is taken independently.
 */
function loadBalancerAddresses(entries: readonly unknown[]): Pick<ExposedObject, 'ips' | 'hostnames'> {
  const ips = new Set<string>();
  const hostnames = new Set<string>();
  for (const entry of entries) {
    addIfDefined(ips, canonicalAddress(field(entry, 'ip')));
    addIfDefined(hostnames, resolvableHostname(field(entry, 'hostname')));
  }
  return { ips: [...ips], hostnames: [...hostnames] };
}

/** The canonical text of an IP address (IPv6 compressed and lowercase), or undefined when it is not one. */
function canonicalAddress(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const family = isIP(value);
  if (family === 4) return value; // isIP admits only dotted-decimal without leading zeros, which is canonical
  // A zone index ("fe80::1%eth0") means nothing to a DNS client, and the URL parser rejects it.
  if (family === 6 && !value.includes('%')) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return undefined;
}

/**
 * A status hostname as a name to resolve, or undefined when it is not a valid DNS name. Kubernetes itself rejects
 * an IP address in LoadBalancerIngress.hostname ("must be a DNS name, not an IP address"), and a lookup of one
 * would fail, so those are dropped too.
 */
function resolvableHostname(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = normaliseName(value);
  return nameProblem(name) === undefined && isIP(name) === 0 ? name : undefined;
}

/**
 * Route hostnames, normalised and de-duplicated in order. Both the Ingress and the Gateway API allow a leading
 * "*." wildcard label and forbid IP addresses; anything else that is not a valid name is dropped.
 */
function routedHosts(values: readonly unknown[]): readonly string[] {
  const hosts = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const host = normaliseName(value);
    const concrete = host.startsWith('*.') ? host.slice(2) : host;
    if (nameProblem(concrete) === undefined && isIP(concrete) === 0) hosts.add(host);
  }
  return [...hosts];
}
