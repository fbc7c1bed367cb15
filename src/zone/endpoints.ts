// The endpoint value and its port: where each target of a balanced record points right now. They are written in
// the policy's own types, so they live in the lowest layer that has them: discovery implements the port (static
// addresses, Kubernetes objects), and health, answers and observability read it, without any of them knowing the
// others. An Endpoint is the one value they pass along; answers extends it with health (TargetAddress).

import { isIPv6 } from 'node:net';
import type { BalancedRecord, StaticTarget, ZoneConfig } from './model.js';

/** One address a target points at now. */
export interface Endpoint {
  /** Normalised as the zone file or the Kubernetes status gave it (IPv6 compressed, lowercase). */
  readonly address: string;
  readonly family: 4 | 6;
}

/** The endpoint of an address that is already known to be an IP address. */
export function endpointOf(address: string): Endpoint {
  return { address, family: isIPv6(address) ? 6 : 4 };
}

/**
 * The endpoints of static targets, made once per target object: a reload keeps unchanged records (and so their
 * targets) as the same objects, so a build asks again for the same arrays rather than making new ones.
 */
export class StaticEndpoints {
  readonly #byTarget = new WeakMap<StaticTarget, readonly Endpoint[]>();

  of(target: StaticTarget): readonly Endpoint[] {
    let endpoints = this.#byTarget.get(target);
    if (endpoints === undefined) {
      endpoints = target.addresses.map(endpointOf);
      this.#byTarget.set(target, endpoints);
    }
    return endpoints;
  }
}

/** Where each target of a balanced record currently points. */
export interface EndpointSource {
  /** The endpoints of each of the record's targets, index-aligned with `record.targets`. */
  endpoints(zone: ZoneConfig, record: BalancedRecord): ReadonlyArray<readonly Endpoint[]>;
}
