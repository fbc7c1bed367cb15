// Cluster targets → addresses: what the matching Ingresses, Services or Gateways of a cluster expose right now.
// Load balancers that publish a hostname (AWS ELB, say) are resolved to A/AAAA and re-resolved on their TTL.

import { isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';
import type { Clock, TimerHandle } from '../../base/clock.js';
import type { Logger } from '../../base/logger.js';
import type { BalancedRecord, ClusterTarget, ZoneConfig } from '../../zone/model.js';
import { endpointOf, StaticEndpoints, type Endpoint, type EndpointSource } from '../../zone/endpoints.js';
import type { ClusterExposure } from './cluster.js';
import type { ExposedObject } from './objects.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly ttl: number;
}

/** Looks a hostname up in DNS (A and AAAA). The port keeps tests off the network. */
export interface HostnameLookup {
  lookup(hostname: string): Promise<readonly ResolvedAddress[]>;
}

export function systemHostnameLookup(): HostnameLookup {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  const family = async (resolve: () => Promise<Array<{ address: string; ttl: number }>>) => {
    try {
      return await resolve();
    } catch (error) {
      // A name with only A or only AAAA records is normal.
      if ((error as { code?: string }).code === 'ENODATA') return [];
      throw error;
    }
  };
  return {
    async lookup(hostname) {
      const [v4, v6] = await Promise.all([family(() => resolver.resolve4(hostname, { ttl: true })), family(() => resolver.resolve6(hostname, { ttl: true }))]);
      return [...v4, ...v6];
    },
  };
}

const MIN_TTL_MS = 5_000;
const MAX_TTL_MS = 300_000;
const RETRY_MS = 30_000;

interface CacheEntry {
  addresses: readonly string[];
  timer: TimerHandle | undefined;
  resolving: boolean;
  lastUsed: number;
}

/**
 * Hostname → addresses, resolved in the background. A lookup that fails keeps the last addresses (an outage
 * of the resolver must not empty an answer), and is retried.
 */
export class HostnameCache {
  readonly #lookup: HostnameLookup;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onChange: () => void;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(lookup: HostnameLookup, clock: Clock, logger: Logger, onChange: () => void) {
    this.#lookup = lookup;
    this.#clock = clock;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** The addresses known now; an unknown name starts resolving and reports through onChange. */
  addressesOf(hostname: string): readonly string[] {
    let entry = this.#entries.get(hostname);
    if (entry === undefined) {
      entry = { addresses: [], timer: undefined, resolving: false, lastUsed: this.#clock.now() };
      this.#entries.set(hostname, entry);
      void this.#resolve(hostname, entry);
    }
    entry.lastUsed = this.#clock.now();
    return entry.addresses;
  }

  stop(): void {
    for (const entry of this.#entries.values()) if (entry.timer !== undefined) this.#clock.clearTimer(entry.timer);
    this.#entries.clear();
  }

  async #resolve(hostname: string, entry: CacheEntry): Promise<void> {
    if (entry.resolving) return;
    entry.resolving = true;
    let nextMs = RETRY_MS;
    try {
      const found = await this.#lookup.lookup(hostname);
      const addresses = [...new Set(found.map((a) => a.address))].filter((a) => isIP(a) !== 0).sort();
      const ttlMs = found.length === 0 ? RETRY_MS : Math.min(...found.map((a) => a.ttl)) * 1000;
      nextMs = Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, ttlMs));
      const changed = addresses.join() !== entry.addresses.join();
      entry.addresses = addresses;
      if (changed) this.#onChange();
    } catch (error) {
      this.#logger.warn('cannot resolve a load balancer hostname; keeping its last addresses', { hostname, error: String(error) });
    } finally {
      entry.resolving = false;
    }
    if (this.#entries.get(hostname) !== entry) return;
    // A name no record has asked for in a while is dropped instead of being resolved forever.
    if (this.#clock.now() - entry.lastUsed > 10 * MAX_TTL_MS) {
      this.#entries.delete(hostname);
      return;
    }
    entry.timer = this.#clock.setTimer(() => void this.#resolve(hostname, entry), nextMs);
  }
}

/** The endpoints a set of exposed objects stands for: IPs as given, hostnames as resolved. */
function endpointsOf(exposed: readonly ExposedObject[], hostnames: HostnameCache): Endpoint[] {
  const addresses = new Set<string>();
  for (const endpoint of exposed) {
    for (const ip of endpoint.ips) addresses.add(ip);
    for (const hostname of endpoint.hostnames) for (const ip of hostnames.addressesOf(hostname)) addresses.add(ip);
  }
  return [...addresses].map(endpointOf);
}

/** The host a record's cluster targets look for in Ingress rules: the check host, else the record's name. */
export function routedHost(record: BalancedRecord): string {
  return (record.check?.host ?? record.name).toLowerCase();
}

export function clusterTargetEndpoints(target: ClusterTarget, record: BalancedRecord, cluster: ClusterExposure): ExposedObject[] {
  const select = target.select;
  if (select.by === 'host') {
    const host = routedHost(record);
    return cluster.ingresses.filter((ingress) => ingress.hosts.includes(host));
  }
  const pool = select.by === 'ingress' ? cluster.ingresses : select.by === 'service' ? cluster.services : cluster.gateways;
  return pool.filter((e) => e.ref.namespace === select.namespace && e.ref.name === select.name);
}

/** Static targets give their own addresses; cluster targets what their cluster exposes, as last known. */
export function createDiscoveryEndpointSource(clusters: (name: string) => ClusterExposure | undefined, hostnames: HostnameCache): EndpointSource {
  const statics = new StaticEndpoints();
  return {
    endpoints(_zone: ZoneConfig, record: BalancedRecord) {
      return record.targets.map((target) => {
        if (target.kind === 'static') return statics.of(target);
        const cluster = clusters(target.cluster);
        return cluster === undefined ? [] : endpointsOf(clusterTargetEndpoints(target, record, cluster), hostnames);
      });
    },
  };
}
