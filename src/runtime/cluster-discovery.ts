// Kubernetes discovery as the running server uses it: one watcher per registered cluster, the hostname cache for
// load balancers that publish a name, and the endpoint source that gives `cluster:` targets their addresses.

import type { Clock } from '../base/clock.js';
import { Errors } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { ClusterWatcher, type ClusterStatus } from '../discovery/kubernetes/cluster.js';
import type { ClusterRegistration } from '../discovery/kubernetes/registration.js';
import type { WatchedResource } from '../discovery/kubernetes/resources.js';
import { createDiscoveryEndpointSource, HostnameCache, systemHostnameLookup, type HostnameLookup } from '../discovery/kubernetes/source.js';
import type { EndpointSource } from '../zone/endpoints.js';

/** The settings discovery reads (part of MeridianOptions). */
export interface ClusterDiscoverySettings {
  /** Kubernetes clusters whose Ingresses, Services and Gateways give `cluster:` targets their addresses. */
  readonly clusters?: readonly ClusterRegistration[];
  /** Watch one namespace only (all when omitted). */
  readonly namespace?: string;
  /** /readyz waits at most this long for every cluster's first sync (default 30 s). */
  readonly clusterSyncTimeoutMs?: number;
  /** End a watch silent for this long (default 60 s). */
  readonly watchInactivityMs?: number;
  readonly hostnameLookup?: HostnameLookup;
}

export interface ClusterDiscoveryDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** A cluster's endpoints changed; undefined: a hostname any cluster may use re-resolved. */
  readonly onChange: (cluster: string | undefined) => void;
  readonly onError: (cluster: string, resource: WatchedResource) => void;
}

export class ClusterDiscovery {
  readonly endpoints: EndpointSource;
  /** Every cluster has synced, or this long has passed: readiness stops waiting (clock time). */
  readonly syncDeadline: number;
  readonly #watchers: ReadonlyMap<string, ClusterWatcher>;
  readonly #hostnames: HostnameCache;
  readonly #clock: Clock;

  private constructor(watchers: ReadonlyMap<string, ClusterWatcher>, hostnames: HostnameCache, clock: Clock, syncTimeoutMs: number) {
    this.#watchers = watchers;
    this.#hostnames = hostnames;
    this.#clock = clock;
    this.syncDeadline = clock.now() + syncTimeoutMs;
    this.endpoints = createDiscoveryEndpointSource((name) => watchers.get(name)?.exposure(), hostnames);
  }

  static async create(settings: ClusterDiscoverySettings, deps: ClusterDiscoveryDeps): Promise<ClusterDiscovery> {
    const { clock, logger } = deps;
    const clusters = settings.clusters ?? [];
    const hostnames = new HostnameCache(settings.hostnameLookup ?? systemHostnameLookup(), clock, logger, () => deps.onChange(undefined));
    const watchers = new Map<string, ClusterWatcher>();
    // @kubernetes/client-node is large (tens of megabytes of code in memory): load it only when a cluster is registered.
    const client = clusters.length > 0 ? await import('../discovery/kubernetes/client.js') : undefined;
    const clientOptions = {
      ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
      inactivityMs: settings.watchInactivityMs ?? 60_000,
    };
    for (const registration of clusters) {
      let config;
      try {
        config = client!.loadKubeConfig(registration.source);
      } catch (error) {
        throw Errors.clusterConfig([registration.name, (error as Error).message]);
      }
      watchers.set(
        registration.name,
        new ClusterWatcher({
          name: registration.name,
          clientFor: (resource) => client!.createResourceClient(config, resource, clientOptions),
          clock,
          logger,
          onChange: deps.onChange,
          onError: deps.onError,
        }),
      );
    }
    return new ClusterDiscovery(watchers, hostnames, clock, settings.clusterSyncTimeoutMs ?? 30_000);
  }

  /** The registered cluster names: a zone may only name these in `cluster:` targets. */
  get names(): ReadonlySet<string> {
    return new Set(this.#watchers.keys());
  }

  status(): ClusterStatus[] {
    return [...this.#watchers.values()].map((watcher) => watcher.status());
  }

  ready(): boolean {
    return this.status().every((cluster) => cluster.synced) || this.#clock.now() >= this.syncDeadline;
  }

  start(): void {
    for (const watcher of this.#watchers.values()) watcher.start();
  }

  stop(): void {
    for (const watcher of this.#watchers.values()) watcher.stop();
    this.#hostnames.stop();
  }
}
