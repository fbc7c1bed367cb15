// One registered cluster: a reflector per watched resource, and the endpoints its objects expose.

import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/logger.js';
import type { BackoffPolicy } from './backoff.js';
import { WATCHED_RESOURCES, type WatchedResource } from './resources.js';
import {
  endpointsFromGateway,
  endpointsFromIngress,
  endpointsFromService,
  type ExposedObject,
  type GatewayObject,
  type IngressObject,
  type ServiceObject,
} from './objects.js';
import { Reflector, type ReflectorStatus, type ResourceClient } from './reflector.js';

export interface ClusterWatcherOptions {
  readonly name: string;
  readonly clientFor: (resource: WatchedResource) => ResourceClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called when the cluster's exposed endpoints may have changed. */
  readonly onChange: (cluster: string) => void;
  /** Called for every failed list or watch. */
  readonly onError?: (cluster: string, resource: WatchedResource) => void;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  readonly minWatchMs?: number;
}

/** What one cluster's Ingresses, LoadBalancer Services and Gateways expose, by kind. */
export interface ClusterExposure {
  readonly ingresses: readonly ExposedObject[];
  readonly services: readonly ExposedObject[];
  readonly gateways: readonly ExposedObject[];
}

export interface ClusterStatus {
  readonly name: string;
  /** Every resource has been listed once (an API the cluster does not serve counts as done). */
  readonly synced: boolean;
  readonly lastEventAt: number | undefined;
  readonly errors: number;
  readonly resources: readonly ReflectorStatus[];
}

export class ClusterWatcher {
  readonly name: string;
  readonly #reflectors: ReadonlyMap<WatchedResource, Reflector>;
  #exposure: ClusterExposure | undefined;

  constructor(options: ClusterWatcherOptions) {
    this.name = options.name;
    const logger = options.logger.child({ cluster: options.name });
    const reflectors = new Map<WatchedResource, Reflector>();
    for (const resource of WATCHED_RESOURCES) {
      reflectors.set(
        resource,
        new Reflector({
          resource,
          client: options.clientFor(resource),
          clock: options.clock,
          logger: logger.child({ resource }),
          optional: resource === 'gateways',
          onChange: () => {
            this.#exposure = undefined;
            options.onChange(options.name);
          },
          onError: () => options.onError?.(options.name, resource),
          ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
          ...(options.random === undefined ? {} : { random: options.random }),
          ...(options.minWatchMs === undefined ? {} : { minWatchMs: options.minWatchMs }),
        }),
      );
    }
    this.#reflectors = reflectors;
  }

  start(): void {
    for (const reflector of this.#reflectors.values()) reflector.start();
  }

  stop(): void {
    for (const reflector of this.#reflectors.values()) reflector.stop();
  }

  /** What the cluster's objects expose now, as last known (kept through API outages). */
  exposure(): ClusterExposure {
    this.#exposure ??= {
      ingresses: [...this.#objects('ingresses')].map((o) => endpointsFromIngress(o as IngressObject)),
      services: [...this.#objects('services')].map((o) => endpointsFromService(o as ServiceObject)).filter((e) => e !== undefined),
      gateways: [...this.#objects('gateways')].map((o) => endpointsFromGateway(o as GatewayObject)),
    };
    return this.#exposure;
  }

  status(): ClusterStatus {
    const resources = [...this.#reflectors.values()].map((r) => r.status());
    const lastEvents = resources.map((r) => r.lastEventAt).filter((t) => t !== undefined);
    return {
      name: this.name,
      synced: resources.every((r) => r.synced || r.state === 'unsupported'),
      lastEventAt: lastEvents.length === 0 ? undefined : Math.max(...lastEvents),
      errors: resources.reduce((sum, r) => sum + r.errors, 0),
      resources,
    };
  }

  #objects(resource: WatchedResource): IterableIterator<unknown> {
    return this.#reflectors.get(resource)!.objects();
  }
}
